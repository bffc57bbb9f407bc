/** What went wrong, as a stable code that clients may branch on. */
export type HubErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'totp_required'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'internal';

/** The HTTP status each code is answered with. */
export const hubErrorStatus: Readonly<Record<HubErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  totp_required: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal: 500,
};

/**
 * The hub's one domain error. Throw it from a route or service with a message a person can act on; the
 * edge answers `{ error: { code, message } }` with the code's status. Any other error becomes a generic 500.
 *
 * @example
 * throw new HubError('not_found', `Cannot find organisation ${id}`);
 */
export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: HubErrorCode;

  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** The HTTP status this error is answered with. */
  get status(): number {
    return hubErrorStatus[this.code];
  }
}

/** Whether `error` is a {@link HubError}. */
export function isHubError(error: unknown): error is HubError {
  return error instanceof HubError;
}
