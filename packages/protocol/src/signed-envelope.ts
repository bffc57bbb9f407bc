import { Type, type Static, type TProperties, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { canonicalJson } from './canonical-json.ts';
import { ProtocolError } from './protocol-error.ts';
import {
  keyIdOf,
  keyIdPattern,
  signaturePattern,
  signText,
  verifySignature,
  type SigningKeyPair,
} from './signing-key.ts';

/**
 * A payload with the Ed25519 signature of its canonical JSON (RFC 8785, UTF-8) and the id of the signing key.
 * The payload travels as ordinary JSON; the verifier canonicalises it again, so whitespace and key order in
 * transit do not matter, while any change of a value does.
 */
export interface SignedEnvelope<Payload = unknown> {
  readonly payload: Payload;
  /** base64url of the 64-byte Ed25519 signature over `canonicalJson(payload)`. */
  readonly signature: string;
  /** {@link keyIdOf} the signing key: a hint for the reader, never a reason to trust. */
  readonly keyId: string;
}

/** TypeBox schema of a signed envelope around `payload` (no other members allowed). */
export function SignedEnvelopeSchema<Payload extends TSchema>(payload: Payload) {
  return Type.Object(
    {
      payload,
      signature: Type.String({ pattern: signaturePattern, description: 'Ed25519 signature, base64url' }),
      keyId: Type.String({ pattern: keyIdPattern, description: 'Key id of the signing key' }),
    },
    { additionalProperties: false },
  );
}

/**
 * Signs `payload` with `keyPair`.
 * @throws TypeError when the payload is not canonical-JSON serialisable (see `canonicalJson`)
 */
export function signEnvelope<Payload>(payload: Payload, keyPair: SigningKeyPair): SignedEnvelope<Payload> {
  return { payload, signature: signText(keyPair, canonicalJson(payload)), keyId: keyPair.keyId };
}

/**
 * Whether `envelope` is signed by `publicKey` (base64url raw Ed25519): the key id names that key and the
 * signature matches the payload. Never throws.
 */
export function verifyEnvelope(envelope: SignedEnvelope, publicKey: string): boolean {
  if (envelope.keyId !== keyIdOf(publicKey)) return false;
  let text: string;
  try {
    text = canonicalJson(envelope.payload);
  } catch {
    return false;
  }
  return verifySignature(publicKey, text, envelope.signature);
}

/** What {@link openEnvelope} checks an envelope against. */
export interface OpenEnvelopeOptions<Payload extends TSchema> {
  /** The one key the envelope must be signed by (the pinned hub key, the station's enrolled key). */
  readonly publicKey: string;
  /** Schema the payload must satisfy once the signature holds. */
  readonly schema: Payload;
  /** Names the message in error messages, e.g. 'enrolment response'. @default 'message' */
  readonly what?: string;
}

/**
 * Checks that `envelope` (as received, untrusted) is an envelope signed by `options.publicKey` whose payload
 * satisfies `options.schema`, and returns the payload.
 * @throws ProtocolError with code 'malformed-envelope', 'wrong-key', 'bad-signature' or 'invalid-payload'
 * @example
 * const receipt = openEnvelope(await response.json(), { publicKey: pinnedHubKey, schema: PublicationReceipt });
 */
export function openEnvelope<Payload extends TSchema>(
  envelope: unknown,
  options: OpenEnvelopeOptions<Payload>,
): Static<Payload> {
  const what = options.what ?? 'message';
  if (!envelopeValidator.Check(envelope)) {
    throw new ProtocolError('malformed-envelope', `Cannot accept ${what}: it is not a signed envelope`);
  }
  if (envelope.keyId !== keyIdOf(options.publicKey)) {
    throw new ProtocolError(
      'wrong-key',
      `Cannot accept ${what}: it is signed by key ${envelope.keyId}, not the expected key ${keyIdOf(options.publicKey)}`,
    );
  }
  let text: string;
  try {
    text = canonicalJson(envelope.payload);
  } catch (error) {
    throw new ProtocolError('malformed-envelope', `Cannot accept ${what}: its payload is not JSON`, {
      cause: error,
    });
  }
  if (!verifySignature(options.publicKey, text, envelope.signature)) {
    throw new ProtocolError(
      'bad-signature',
      `Cannot accept ${what}: its signature does not match its payload`,
    );
  }
  const validator = validatorOf(options.schema);
  if (!validator.Check(envelope.payload)) {
    const first = validator.Errors(envelope.payload)[0];
    const where = first === undefined ? '' : `: ${first.instancePath || '/'} ${first.message}`;
    throw new ProtocolError(
      'invalid-payload',
      `Cannot accept ${what}: its payload is not a valid ${what}${where}`,
    );
  }
  return envelope.payload;
}

const envelopeValidator = Compile(SignedEnvelopeSchema(Type.Unknown()));
const validators = new WeakMap<TSchema, Validator>();

type ValidatorOf<Payload extends TSchema> = Validator<TProperties, Payload>;

function validatorOf<Payload extends TSchema>(schema: Payload): ValidatorOf<Payload> {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = Compile(schema);
    validators.set(schema, validator);
  }
  return validator as unknown as ValidatorOf<Payload>;
}
