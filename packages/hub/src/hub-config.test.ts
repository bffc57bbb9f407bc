import { describe, expect, it } from 'vitest';
import { readHubConfig } from './hub-config.ts';

describe('readHubConfig()', () => {
  it('defaults to in-memory PGlite, 30-minute idle and 12-hour absolute sessions', () => {
    const config = readHubConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicBaseUrl: 'http://127.0.0.1:3000',
      sessionIdleTimeoutMs: 30 * 60_000,
      sessionAbsoluteTimeoutMs: 12 * 3_600_000,
      bodyLimitBytes: 1_048_576,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.pgliteDataDir).toBeUndefined();
    expect(config.cookieSecret.length).toBeGreaterThanOrEqual(32);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the environment', () => {
    const config = readHubConfig({
      DATABASE_URL: 'postgres://db/hub',
      PORT: '8080',
      POLDER_PUBLIC_URL: 'https://hub.example/',
      POLDER_SESSION_IDLE_MINUTES: '15',
      POLDER_SESSION_ABSOLUTE_HOURS: '8',
      POLDER_COOKIE_SECRET: 's'.repeat(40),
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://db/hub',
      port: 8080,
      publicBaseUrl: 'https://hub.example',
      sessionIdleTimeoutMs: 15 * 60_000,
      sessionAbsoluteTimeoutMs: 8 * 3_600_000,
      trustProxy: 'loopback',
    });
    expect(readHubConfig({ POLDER_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe(
      '10.0.0.0/8, 127.0.0.1',
    );
  });

  it('names the variable that is wrong', () => {
    expect(() => readHubConfig({ POLDER_TRUST_PROXY: 'everyone!' })).toThrow(/POLDER_TRUST_PROXY/);
    expect(() => readHubConfig({ PORT: 'eighty' })).toThrow(
      /PORT must be a whole number from 0 to 65535, not 'eighty'/,
    );
    expect(() => readHubConfig({ POLDER_COOKIE_SECRET: 'short' })).toThrow(/POLDER_COOKIE_SECRET/);
    expect(() => readHubConfig({ POLDER_PUBLIC_URL: 'hub.example' })).toThrow(/POLDER_PUBLIC_URL/);
  });
});
