import { readFile } from 'node:fs/promises';
import { StewardDescriptionSchema, type StewardDescription } from '@polder/protocol';
import { Compile } from 'typebox/compile';

const validator = Compile(StewardDescriptionSchema);

/** A steward's description file that cannot be used, with one line per problem. */
export class StewardDescriptionError extends Error {
  override readonly name = 'StewardDescriptionError';
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `Cannot read the steward's description ${path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      options,
    );
  }
}

/**
 * Reads and validates the steward's descriptive part of the dataset description (a JSON file: title,
 * description, keywords, themes, health categories, access rights, DUO codes, contact point, publisher,
 * access body). Throws {@linkcode StewardDescriptionError} naming every problem by its JSON path.
 *
 * @example
 * const steward = await readStewardDescription('/etc/polder/dataset.json');
 */
export async function readStewardDescription(path: string): Promise<StewardDescription> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StewardDescriptionError(path, [`the file cannot be read (${(error as Error).message})`], {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StewardDescriptionError(path, [`it is not JSON (${(error as Error).message})`], {
      cause: error,
    });
  }
  const problems = describeStewardProblems(value);
  if (problems.length > 0) throw new StewardDescriptionError(path, problems);
  return value as StewardDescription;
}

/** The problems of a would-be steward description, one readable line each; empty when it is valid. */
export function describeStewardProblems(value: unknown): string[] {
  if (validator.Check(value)) return [];
  const problems = new Set<string>();
  for (const error of validator.Errors(value)) {
    // additionalProperties is reported twice by the validator (once as the 'false' subschema); keep the readable one.
    if (error.keyword === 'boolean') continue;
    const at =
      error.instancePath === '' ? 'the description' : error.instancePath.slice(1).replaceAll('/', '.');
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
      problems.add(`${at}: must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`);
    } else if (error.keyword === 'additionalProperties' && Array.isArray(params['additionalProperties'])) {
      problems.add(`${at}: unknown field(s) ${(params['additionalProperties'] as unknown[]).join(', ')}`);
    } else {
      problems.add(`${at}: ${error.message}`);
    }
  }
  return [...problems];
}
