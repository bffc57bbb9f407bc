import { compactVerify, CompactSign, importJWK } from 'jose';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Timestamp, Uuid } from './_formats.ts';
import { ProtocolError } from './protocol-error.ts';
import { keyIdOf, type SigningKeyPair } from './signing-key.ts';

/** The grounds of EHDS Art. 53(1) on which secondary use may be permitted, (a) to (f). */
export const art53Purposes = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type Art53Purpose = (typeof art53Purposes)[number];

/** Media type of a permit token (the JWS `typ` header). */
export const permitTokenType = 'polder-permit+jws';

/**
 * What a permit allows, as the hub signs it. A data request (EHDS Art. 69) is a permit of kind
 * `data-request`: anonymised statistics only, computed by the federation for the access body.
 */
export const PermitDocument = Type.Object(
  {
    type: Type.Literal('polder.permit.v1'),
    permitId: Uuid,
    applicationId: Uuid,
    kind: Type.Union([Type.Literal('permit'), Type.Literal('data-request')]),
    /** The Art. 53(1) ground. */
    purpose: Type.Union([
      Type.Literal('a'),
      Type.Literal('b'),
      Type.Literal('c'),
      Type.Literal('d'),
      Type.Literal('e'),
      Type.Literal('f'),
    ]),
    holder: Type.Object(
      { organisationId: Uuid, organisationName: Type.String({ minLength: 1, maxLength: 300 }) },
      { additionalProperties: false },
    ),
    /** Hub user ids of the persons allowed to run analyses under the permit. */
    namedUsers: Type.Array(Uuid, { maxItems: 200 }),
    /** The datasets covered, with the station that holds each. */
    datasets: Type.Array(Type.Object({ datasetId: Uuid, stationId: Uuid }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 500,
    }),
    /** Names of the algorithms allowed (`count`, `glm`, …). */
    algorithms: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }), { minItems: 1, maxItems: 50 }),
    /** Disclosure settings: only ever stricter than a station's own policy (stations take the stricter). */
    disclosure: Type.Object(
      {
        minCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        roundTo: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      },
      { additionalProperties: false },
    ),
    /** An optional differential-privacy budget for the whole permit. */
    privacyBudget: Type.Optional(
      Type.Object(
        {
          epsilon: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
          delta: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    issuedAt: Timestamp,
    validFrom: Timestamp,
    validUntil: Timestamp,
  },
  { additionalProperties: false },
);
export type PermitDocument = Static<typeof PermitDocument>;

const permitValidator = Compile(PermitDocument);

/**
 * Signs a permit as a compact JWS (EdDSA over Ed25519) with the hub's key; `kid` is the key's id, so a
 * station can tell at once whether the token comes from the hub it pinned.
 */
export async function signPermit(permit: PermitDocument, hubKey: SigningKeyPair): Promise<string> {
  if (!permitValidator.Check(permit)) {
    const first = permitValidator.Errors(permit)[0];
    throw new ProtocolError(
      'invalid-payload',
      `Cannot sign permit: ${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`,
    );
  }
  return new CompactSign(new TextEncoder().encode(JSON.stringify(permit)))
    .setProtectedHeader({ alg: 'EdDSA', kid: hubKey.keyId, typ: permitTokenType })
    .sign(hubKey.privateKey);
}

/** What {@link verifyPermit} checks besides the signature. */
export interface VerifyPermitOptions {
  /** The time to judge validity at. @default new Date() */
  readonly now?: Date;
  /** Permit ids the hub has revoked (a revoked permit is refused even before it expires). */
  readonly revoked?: ReadonlySet<string>;
}

/** Why a permit token was refused; `ProtocolError.code` stays coarse, this says which rule failed. */
export type PermitRefusal =
  'malformed' | 'wrong-key' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'revoked';

/** A permit that cannot be used, with the rule that failed. */
export class PermitRefusedError extends ProtocolError {
  readonly refusal: PermitRefusal;

  constructor(refusal: PermitRefusal, message: string, options?: ErrorOptions) {
    super(
      refusal === 'malformed'
        ? 'malformed-envelope'
        : refusal === 'wrong-key'
          ? 'wrong-key'
          : refusal === 'bad-signature'
            ? 'bad-signature'
            : 'invalid-payload',
      message,
      options,
    );
    this.refusal = refusal;
  }
}

/**
 * Verifies a permit token against the hub key pinned at enrolment and returns the permit it carries.
 * @throws PermitRefusedError when the token is malformed, signed by another key, tampered with, expired,
 *   not yet valid or revoked
 */
export async function verifyPermit(
  token: string,
  hubPublicKey: string,
  options: VerifyPermitOptions = {},
): Promise<PermitDocument> {
  const now = options.now ?? new Date();
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || token.length > 20_000) {
    throw new PermitRefusedError('malformed', 'Cannot accept permit: it is not a compact JWS');
  }
  let header: { kid?: unknown; alg?: unknown; typ?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as typeof header;
  } catch (error) {
    throw new PermitRefusedError('malformed', 'Cannot accept permit: its header is not JSON', {
      cause: error,
    });
  }
  if (header.alg !== 'EdDSA' || header.typ !== permitTokenType) {
    throw new PermitRefusedError('malformed', `Cannot accept permit: it is not a ${permitTokenType} token`);
  }
  if (header.kid !== keyIdOf(hubPublicKey)) {
    throw new PermitRefusedError(
      'wrong-key',
      `Cannot accept permit: it is signed by key ${String(header.kid)}, not the pinned hub key ${keyIdOf(hubPublicKey)}`,
    );
  }
  let payload: Uint8Array;
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: hubPublicKey }, 'EdDSA');
    ({ payload } = await compactVerify(token, key, { algorithms: ['EdDSA'] }));
  } catch (error) {
    throw new PermitRefusedError('bad-signature', 'Cannot accept permit: its signature does not verify', {
      cause: error,
    });
  }
  let permit: unknown;
  try {
    permit = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    throw new PermitRefusedError('malformed', 'Cannot accept permit: its payload is not JSON', {
      cause: error,
    });
  }
  if (!permitValidator.Check(permit)) {
    const first = permitValidator.Errors(permit)[0];
    throw new PermitRefusedError(
      'malformed',
      `Cannot accept permit: ${first?.instancePath || '(root)'} ${first?.message ?? 'is invalid'}`,
    );
  }
  if (options.revoked?.has(permit.permitId) === true) {
    throw new PermitRefusedError(
      'revoked',
      `Cannot accept permit ${permit.permitId}: the hub has revoked it`,
    );
  }
  if (now.getTime() < Date.parse(permit.validFrom)) {
    throw new PermitRefusedError(
      'not-yet-valid',
      `Cannot accept permit ${permit.permitId}: it is valid from ${permit.validFrom}`,
    );
  }
  if (now.getTime() >= Date.parse(permit.validUntil)) {
    throw new PermitRefusedError(
      'expired',
      `Cannot accept permit ${permit.permitId}: it expired at ${permit.validUntil}`,
    );
  }
  return permit;
}

/** Whether a permit covers a dataset at a station and an algorithm. */
export function permitCovers(
  permit: PermitDocument,
  task: { readonly stationId: string; readonly datasetId?: string; readonly algorithm: string },
): boolean {
  const dataset = permit.datasets.some(
    (d) => d.stationId === task.stationId && (task.datasetId === undefined || d.datasetId === task.datasetId),
  );
  return dataset && permit.algorithms.includes(task.algorithm);
}
