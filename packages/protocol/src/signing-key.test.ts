import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exportPrivateKey,
  generateSigningKeyPair,
  importPrivateKey,
  isPublicKey,
  keyIdOf,
  signText,
  verifySignature,
} from './signing-key.ts';

describe('Ed25519 signing keys', () => {
  const keyPair = generateSigningKeyPair();

  it('generateSigningKeyPair() gives a 43-character base64url public key and its 22-character key id', () => {
    expect(keyPair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(keyPair.publicKey, 'base64url')).toHaveLength(32);
    expect(keyPair.keyId).toBe(keyIdOf(keyPair.publicKey));
    expect(keyPair.keyId).toHaveLength(22);
    expect(isPublicKey(keyPair.publicKey)).toBe(true);
  });

  it('exportPrivateKey() and importPrivateKey() round-trip through PKCS#8 PEM', () => {
    const pem = exportPrivateKey(keyPair);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const back = importPrivateKey(pem);
    expect(back.publicKey).toBe(keyPair.publicKey);
    expect(verifySignature(keyPair.publicKey, 'x', signText(back, 'x'))).toBe(true);
  });

  it('importPrivateKey() refuses text that is not an Ed25519 key', () => {
    expect(() => importPrivateKey('not a key')).toThrow('Cannot read private key: not a PKCS#8 PEM key');
  });

  it('matches the RFC 8032 test vector 1 (empty message)', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\n' +
      Buffer.concat([
        Buffer.from('302e020100300506032b657004220420', 'hex'),
        Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
      ]).toString('base64') +
      '\n-----END PRIVATE KEY-----\n';
    const rfcKey = importPrivateKey(pem);
    expect(Buffer.from(rfcKey.publicKey, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(signText(rfcKey, ''), 'base64url').toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('signatures verify, and any change of text, signature or key makes them fail (property)', () => {
    const other = generateSigningKeyPair();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        (text, suffix) => {
          const signature = signText(keyPair, text);
          expect(verifySignature(keyPair.publicKey, text, signature)).toBe(true);
          expect(verifySignature(keyPair.publicKey, text + suffix, signature)).toBe(false);
          expect(verifySignature(other.publicKey, text, signature)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('verifySignature() answers false, never throws, for a flipped bit or malformed input', () => {
    const signature = signText(keyPair, 'hello');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = bytes[10]! ^ 1;
    expect(verifySignature(keyPair.publicKey, 'hello', bytes.toString('base64url'))).toBe(false);
    expect(verifySignature(keyPair.publicKey, 'hello', 'short')).toBe(false);
    expect(verifySignature('not-a-key', 'hello', signature)).toBe(false);
    expect(verifySignature(`${keyPair.publicKey}A`, 'hello', signature)).toBe(false);
    expect(isPublicKey('A'.repeat(43).replace(/A$/, 'B'))).toBe(false);
  });
});
