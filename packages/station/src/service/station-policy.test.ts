import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultStationPolicy,
  effectiveDisclosurePolicy,
  needsManualApproval,
  parseStationPolicy,
  readStationPolicy,
  StationPolicyError,
  writeStationPolicy,
} from './station-policy.ts';

describe('station policy', () => {
  it('is the default until the steward writes one, and is read back as written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polder-policy-'));
    try {
      expect(await readStationPolicy({ dir })).toEqual(defaultStationPolicy);
      const policy = { allowedAlgorithms: ['count'], manualApproval: 'all', disclosure: { minCount: 10 } };
      await writeStationPolicy({ dir }, policy);
      expect(await readStationPolicy({ dir })).toEqual(policy);
      await writeFile(join(dir, 'station-policy.json'), '{"allowedAlgorithms": [');
      await expect(readStationPolicy({ dir })).rejects.toThrow(/not JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ minCount: 5 }, /below the platform floor/],
    [{ roundTo: 1 }, /below the platform floor/],
    [{ roundTo: 12 }, /multiple of 5/],
    [{ glmParameterRatio: 0.5 }, /ceiling/],
    [{ kmMinAtRisk: 2 }, /floor/],
  ])('refuses thresholds looser than the platform: %o', (disclosure, message) => {
    expect(() => parseStationPolicy({ ...defaultStationPolicy, disclosure })).toThrow(message);
  });

  it('refuses unknown members and malformed algorithm names', () => {
    expect(() => parseStationPolicy({ ...defaultStationPolicy, extra: 1 })).toThrow(StationPolicyError);
    expect(() => parseStationPolicy({ ...defaultStationPolicy, allowedAlgorithms: ['Count!'] })).toThrow(
      /allowedAlgorithms/,
    );
  });

  it('asks for approval for none, all, or the listed algorithms', () => {
    expect(needsManualApproval(defaultStationPolicy, 'glm')).toBe(false);
    expect(needsManualApproval({ ...defaultStationPolicy, manualApproval: 'all' }, 'count')).toBe(true);
    const listed = { ...defaultStationPolicy, manualApproval: ['glm'] };
    expect(needsManualApproval(listed, 'glm')).toBe(true);
    expect(needsManualApproval(listed, 'count')).toBe(false);
  });

  it('takes the strictest of station and permit, rounding a permit roundTo up to a multiple of 5', () => {
    const station = { ...defaultStationPolicy, disclosure: { minCount: 10, roundTo: 10 } };
    expect(effectiveDisclosurePolicy(station, { disclosure: { minCount: 20, roundTo: 3 } })).toMatchObject({
      minCount: 20,
      roundTo: 10,
    });
    expect(effectiveDisclosurePolicy(station, { disclosure: { roundTo: 11 } })).toMatchObject({
      minCount: 10,
      roundTo: 15,
    });
  });
});
