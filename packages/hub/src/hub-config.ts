/** The hub's configuration, read once at start-up and passed in (never read from the environment later). */
export interface HubConfig {
  /** PostgreSQL connection string; when absent the hub runs on embedded PGlite. */
  readonly databaseUrl?: string;
  /** PGlite data directory when there is no `databaseUrl`. @default in-memory (nothing kept) */
  readonly pgliteDataDir?: string;
  /** TCP port to listen on. @default 3000 */
  readonly port: number;
  /** Interface to listen on. @default '127.0.0.1' */
  readonly host: string;
  /** The URL people and stations reach the hub at (behind a proxy: the proxy's URL). Decides whether cookies are `Secure`. */
  readonly publicBaseUrl: string;
  /** A session ends after this long without a request, in milliseconds. @default 30 minutes */
  readonly sessionIdleTimeoutMs: number;
  /** A session ends this long after sign-in whatever happens, in milliseconds. @default 12 hours */
  readonly sessionAbsoluteTimeoutMs: number;
  /** Secret for signed cookies (at least 32 characters). @default a random one per process (set it when several hub processes serve one site) */
  readonly cookieSecret: string;
  /**
   * Secret that encrypts the hub's Ed25519 signing key in the database (AES-256-GCM; at least 32 characters).
   * Without it the key is stored unencrypted, as safe as the database. Once set, it must stay the same.
   */
  readonly signingKeySecret?: string;
  /** Largest request body accepted, in bytes. @default 1 MiB */
  readonly bodyLimitBytes: number;
  /**
   * Which proxies to believe about the client's address (`X-Forwarded-For`): `true` for any, or addresses
   * and CIDR ranges. Matters for the audit log's source IP and for Secure cookies behind a TLS proxy.
   * @default false (none), or 'loopback' when the public URL is https
   */
  readonly trustProxy: boolean | string;
  /** Log level for the hub's pino logger; 'silent' in tests. @default 'info' */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** SMTP server for the access procedure's e-mails (`smtp://user:pass@host:587`); none: in-app notifications only. */
  readonly smtpUrl?: string;
  /** Sender of the hub's e-mails. @default 'Polder <polder@localhost>' */
  readonly mailFrom: string;
  /** How often the access clock (reminders, overdue, lapse, permit expiry, delivery) runs, in ms; 0: never. @default 1 minute */
  readonly accessClockIntervalMs: number;
}

/** The environment variables `readHubConfig` understands. */
export interface HubEnvironment {
  readonly DATABASE_URL?: string | undefined;
  readonly POLDER_HUB_DATA_DIR?: string | undefined;
  readonly PORT?: string | undefined;
  readonly HOST?: string | undefined;
  readonly POLDER_PUBLIC_URL?: string | undefined;
  readonly POLDER_SESSION_IDLE_MINUTES?: string | undefined;
  readonly POLDER_SESSION_ABSOLUTE_HOURS?: string | undefined;
  readonly POLDER_COOKIE_SECRET?: string | undefined;
  readonly POLDER_SIGNING_KEY_SECRET?: string | undefined;
  readonly POLDER_BODY_LIMIT_BYTES?: string | undefined;
  readonly POLDER_LOG_LEVEL?: string | undefined;
  readonly POLDER_TRUST_PROXY?: string | undefined;
  readonly POLDER_SMTP_URL?: string | undefined;
  readonly POLDER_MAIL_FROM?: string | undefined;
  readonly POLDER_ACCESS_CLOCK_SECONDS?: string | undefined;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads the hub's configuration from environment variables (and optional overrides) into a frozen object.
 * Throws with a message naming the variable when a value is unusable.
 *
 * @example
 * const config = readHubConfig(process.env, { port: 0 });
 */
export function readHubConfig(env: HubEnvironment, overrides: Partial<HubConfig> = {}): HubConfig {
  const port = overrides.port ?? readInteger(env, 'PORT', 3000, 0, 65_535);
  const host = overrides.host ?? nonEmpty(env.HOST) ?? '127.0.0.1';
  const publicBaseUrl = (
    overrides.publicBaseUrl ??
    nonEmpty(env.POLDER_PUBLIC_URL) ??
    `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`
  ).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicBaseUrl)) {
    throw new Error(
      `Cannot read hub configuration: POLDER_PUBLIC_URL '${publicBaseUrl}' is not an http(s) URL`,
    );
  }
  const cookieSecret = overrides.cookieSecret ?? nonEmpty(env.POLDER_COOKIE_SECRET) ?? randomSecret();
  if (cookieSecret.length < 32) {
    throw new Error('Cannot read hub configuration: POLDER_COOKIE_SECRET must be at least 32 characters');
  }
  const signingKeySecret = overrides.signingKeySecret ?? nonEmpty(env.POLDER_SIGNING_KEY_SECRET);
  if (signingKeySecret !== undefined && signingKeySecret.length < 32) {
    throw new Error(
      'Cannot read hub configuration: POLDER_SIGNING_KEY_SECRET must be at least 32 characters',
    );
  }
  const logLevel = overrides.logLevel ?? nonEmpty(env.POLDER_LOG_LEVEL) ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    throw new Error(`Cannot read hub configuration: POLDER_LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  }
  const databaseUrl = overrides.databaseUrl ?? nonEmpty(env.DATABASE_URL);
  const pgliteDataDir = overrides.pgliteDataDir ?? nonEmpty(env.POLDER_HUB_DATA_DIR);
  const smtpUrl = overrides.smtpUrl ?? nonEmpty(env.POLDER_SMTP_URL);
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) {
    throw new Error('Cannot read hub configuration: POLDER_SMTP_URL must be an smtp:// or smtps:// URL');
  }
  const config: HubConfig = {
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(pgliteDataDir === undefined ? {} : { pgliteDataDir }),
    port,
    host,
    publicBaseUrl,
    sessionIdleTimeoutMs:
      overrides.sessionIdleTimeoutMs ??
      readInteger(env, 'POLDER_SESSION_IDLE_MINUTES', 30, 1, 24 * 60) * 60_000,
    sessionAbsoluteTimeoutMs:
      overrides.sessionAbsoluteTimeoutMs ??
      readInteger(env, 'POLDER_SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30) * 3_600_000,
    cookieSecret,
    ...(signingKeySecret === undefined ? {} : { signingKeySecret }),
    bodyLimitBytes:
      overrides.bodyLimitBytes ??
      readInteger(env, 'POLDER_BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
    trustProxy: overrides.trustProxy ?? readTrustProxy(env.POLDER_TRUST_PROXY, publicBaseUrl),
    logLevel: logLevel as HubConfig['logLevel'],
    ...(smtpUrl === undefined ? {} : { smtpUrl }),
    mailFrom: overrides.mailFrom ?? nonEmpty(env.POLDER_MAIL_FROM) ?? 'Polder <polder@localhost>',
    accessClockIntervalMs:
      overrides.accessClockIntervalMs ??
      readInteger(env, 'POLDER_ACCESS_CLOCK_SECONDS', 60, 0, 86_400) * 1000,
  };
  return Object.freeze(config);
}

function readTrustProxy(value: string | undefined, publicBaseUrl: string): boolean | string {
  const text = nonEmpty(value);
  if (text === undefined) return publicBaseUrl.startsWith('https:') ? 'loopback' : false;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (!/^[0-9A-Za-z.:/, ]+$/.test(text)) {
    throw new Error(
      `Cannot read hub configuration: POLDER_TRUST_PROXY must be true, false or addresses/CIDR ranges separated by commas, not '${text}'`,
    );
  }
  return text;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readInteger(
  env: HubEnvironment,
  name: keyof HubEnvironment,
  fallback: number,
  min: number,
  max: number,
) {
  const text = nonEmpty(env[name]);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `Cannot read hub configuration: ${name} must be a whole number from ${min} to ${max}, not '${text}'`,
    );
  }
  return value;
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}
