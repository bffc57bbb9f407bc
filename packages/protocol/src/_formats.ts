import { Type } from 'typebox';

/** A UUID (any version; the hub makes UUIDv7). */
export const Uuid = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  description: 'UUID in lower case',
});

/** An instant in UTC as ISO 8601 with a `Z` (what `Date.prototype.toISOString` writes). */
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$',
  maxLength: 40,
  description: 'UTC instant, ISO 8601',
});

/** 32 random bytes in base64url: enrolment tokens, challenge nonces, session tokens. */
export const RandomToken = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: '32 random bytes, base64url',
});
