import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDisclosurePolicy, resolveDisclosurePolicy, type DisclosurePolicy } from '@polder/privacy';
import type { PermitDocument } from '@polder/protocol';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

const algorithmName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' });

/**
 * What a steward decides about the tasks their station runs, kept as JSON in `station-policy.json` in the
 * station directory. Every threshold may only be stricter than the platform's defaults.
 */
export const StationPolicySchema = Type.Object(
  {
    /** Names of the algorithms this station runs (`count`, `glm`, …); any other is refused. */
    allowedAlgorithms: Type.Array(algorithmName, { maxItems: 100, uniqueItems: true }),
    /**
     * Which tasks wait for the steward's approval before they run: none, all, or those of the listed
     * algorithms.
     */
    manualApproval: Type.Union([
      Type.Literal('none'),
      Type.Literal('all'),
      Type.Array(algorithmName, { maxItems: 100, uniqueItems: true }),
    ]),
    /** Stricter disclosure thresholds than the platform's; anything left out is the platform default. */
    disclosure: Type.Object(
      {
        minCount: Type.Optional(Type.Integer()),
        roundTo: Type.Optional(Type.Integer()),
        minSummaryRecords: Type.Optional(Type.Integer()),
        glmParameterRatio: Type.Optional(Type.Number()),
        kmMinAtRisk: Type.Optional(Type.Integer()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StationPolicy = Static<typeof StationPolicySchema>;

/**
 * The policy of a station whose steward has set none: the first vetted algorithms of the library, no
 * manual approval, the platform's disclosure defaults. A new algorithm in the library is not run until a
 * steward adds it.
 */
export const defaultStationPolicy: StationPolicy = Object.freeze({
  allowedAlgorithms: Object.freeze(['count', 'summary', 'crosstab', 'glm', 'kaplan-meier']) as string[],
  manualApproval: 'none',
  disclosure: Object.freeze({}),
});

/** A station policy that cannot be used; the message says which value and why. */
export class StationPolicyError extends Error {
  override readonly name = 'StationPolicyError';
}

const policyFile = 'station-policy.json';
const policyValidator = Compile(StationPolicySchema);

/**
 * Checks a policy as read from JSON: its shape, and that its disclosure thresholds are no looser than the
 * platform's (`resolveDisclosurePolicy`).
 * @throws StationPolicyError naming the offending value
 */
export function parseStationPolicy(input: unknown): StationPolicy {
  if (!policyValidator.Check(input)) {
    const first = policyValidator.Errors(input)[0];
    throw new StationPolicyError(
      `Cannot use station policy: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`,
    );
  }
  try {
    resolveDisclosurePolicy(input.disclosure);
  } catch (error) {
    throw new StationPolicyError((error as Error).message, { cause: error });
  }
  return input;
}

/** The station's policy from `station-policy.json`, or {@link defaultStationPolicy} when it has none. */
export async function readStationPolicy(station: { readonly dir: string }): Promise<StationPolicy> {
  let text: string;
  try {
    text = await readFile(join(station.dir, policyFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultStationPolicy;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StationPolicyError(`Cannot use station policy: ${policyFile} is not JSON`, { cause: error });
  }
  return parseStationPolicy(parsed);
}

/**
 * Checks and writes the station's policy (atomically: a running service reads either the old file or the
 * new one). The running service reads the policy for every task, so a change applies to the next task.
 * @throws StationPolicyError when the policy is invalid or looser than the platform allows
 */
export async function writeStationPolicy(
  station: { readonly dir: string },
  policy: unknown,
): Promise<StationPolicy> {
  const checked = parseStationPolicy(policy);
  const path = join(station.dir, policyFile);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checked, null, 2)}\n`);
  await rename(temporary, path);
  return checked;
}

/** Whether the policy lets the station run `algorithm` at all. */
export function isAlgorithmAllowed(policy: StationPolicy, algorithm: string): boolean {
  return policy.allowedAlgorithms.includes(algorithm);
}

/** Whether a task of `algorithm` waits for the steward's approval under the policy. */
export function needsManualApproval(policy: StationPolicy, algorithm: string): boolean {
  if (policy.manualApproval === 'none') return false;
  if (policy.manualApproval === 'all') return true;
  return policy.manualApproval.includes(algorithm);
}

/**
 * The disclosure policy a task runs under: the strictest of the platform defaults, the station's policy and
 * the permit's settings. A permit's `roundTo` that is not a multiple of 5 takes the next multiple of 5, so
 * released counts stay multiples of the platform's rounding base.
 */
export function effectiveDisclosurePolicy(
  policy: StationPolicy,
  permit: Pick<PermitDocument, 'disclosure'>,
): DisclosurePolicy {
  const station = resolveDisclosurePolicy(policy.disclosure);
  const roundTo = Math.max(station.roundTo, permit.disclosure.roundTo ?? 0);
  const base = defaultDisclosurePolicy.roundTo;
  return resolveDisclosurePolicy({
    ...station,
    minCount: Math.max(station.minCount, permit.disclosure.minCount ?? 0),
    roundTo: Math.ceil(roundTo / base) * base,
  });
}
