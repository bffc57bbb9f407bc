import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * An Ed25519 key pair. The public key travels as text: base64url (no padding) of the raw 32-byte key, which
 * is also the `x` member of its JWK (RFC 8037), so `{ kty: 'OKP', crv: 'Ed25519', x: publicKey }` imports it
 * anywhere. The private key stays a `KeyObject`; it leaves memory only through {@link exportPrivateKey}.
 */
export interface SigningKeyPair {
  /** base64url of the raw 32-byte Ed25519 public key (43 characters). */
  readonly publicKey: string;
  /** Short fingerprint of the public key, see {@link keyIdOf}. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

/** Pattern of a public key as text: 32 bytes in base64url without padding. */
export const publicKeyPattern = '^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$';
/** Pattern of a signature as text: 64 bytes in base64url without padding. */
export const signaturePattern = '^[A-Za-z0-9_-]{85}[AQgw]$';
/** Pattern of a key id as text: 16 bytes in base64url without padding. */
export const keyIdPattern = '^[A-Za-z0-9_-]{21}[AQgw]$';

const publicKeyRegExp = new RegExp(publicKeyPattern);
const signatureRegExp = new RegExp(signaturePattern);

/** Makes a fresh Ed25519 key pair. */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return keyPairOf(privateKey);
}

/**
 * The key id of a public key: base64url of the first 16 bytes of SHA-256 over the raw 32-byte key
 * (22 characters). Short enough to read out over the phone when a steward checks a hub's key.
 */
export function keyIdOf(publicKey: string): string {
  return createHash('sha256')
    .update(Buffer.from(publicKey, 'base64url'))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Whether `text` is a well-formed Ed25519 public key in this package's format (base64url, 32 bytes). */
export function isPublicKey(text: string): boolean {
  return publicKeyRegExp.test(text) && importPublicKey(text) !== undefined;
}

/**
 * Writes the private key as PKCS#8 PEM, for a file only its owner can read (mode 0600). Treat the result as
 * a secret: never log it.
 */
export function exportPrivateKey(keyPair: SigningKeyPair): string {
  return keyPair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * Reads a key pair back from the PKCS#8 PEM that {@link exportPrivateKey} wrote.
 * @throws TypeError when the text is not an Ed25519 private key
 */
export function importPrivateKey(pem: string): SigningKeyPair {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new TypeError('Cannot read private key: not a PKCS#8 PEM key', { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(
      `Cannot read private key: it is ${privateKey.asymmetricKeyType ?? 'unknown'}, not Ed25519`,
    );
  }
  return keyPairOf(privateKey);
}

/** Signs the UTF-8 bytes of `text` (or the bytes given) and returns the 64-byte signature in base64url. */
export function signText(keyPair: SigningKeyPair, text: string | Uint8Array): string {
  return sign(null, typeof text === 'string' ? Buffer.from(text, 'utf8') : text, keyPair.privateKey).toString(
    'base64url',
  );
}

/**
 * Whether `signature` (base64url) is a valid Ed25519 signature of `text` by `publicKey` (base64url raw).
 * Malformed keys or signatures give `false`, never an exception, so that a verifier cannot be made to crash.
 */
export function verifySignature(publicKey: string, text: string | Uint8Array, signature: string): boolean {
  if (!signatureRegExp.test(signature)) return false;
  const key = importPublicKey(publicKey);
  if (key === undefined) return false;
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  try {
    return verify(null, data, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

function keyPairOf(privateKey: KeyObject): SigningKeyPair {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string')
    throw new TypeError('Cannot read private key: its public half has no raw form');
  return Object.freeze({ publicKey: jwk.x, keyId: keyIdOf(jwk.x), privateKey });
}

function importPublicKey(publicKey: string): KeyObject | undefined {
  if (!publicKeyRegExp.test(publicKey)) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  } catch {
    return undefined;
  }
}
