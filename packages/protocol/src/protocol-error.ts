/** Why a protocol message was refused. */
export type ProtocolErrorCode =
  /** Not a signed envelope, or its payload is not canonical JSON. */
  | 'malformed-envelope'
  /** Signed by another key than the one expected (the enrolled station key, the pinned hub key). */
  | 'wrong-key'
  /** The signature does not match the payload. */
  | 'bad-signature'
  /** The signature holds, but the payload is not the message expected. */
  | 'invalid-payload';

/**
 * The one error the protocol throws: a message that cannot be trusted or understood. `code` says why, for
 * callers that answer differently (a hub answers 401 to `wrong-key`, 400 to `malformed-envelope`).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
