import { describe, expect, it } from 'vitest';
import { HubError } from '../hub-error.ts';
import { assertOwner, assertStewardOf, hasRole, isStewardOf, type Principal } from './principal.ts';

const station = '01900000-0000-7000-8000-000000000001';
const other = '01900000-0000-7000-8000-000000000002';

function principal(roles: Principal['roles'], stationIds: readonly string[] = []): Principal {
  return {
    userId: 'u1',
    email: 'u1@test',
    name: 'U',
    organisationId: 'o',
    roles,
    stationIds,
    via: 'session',
  };
}

describe('object-level checks', () => {
  it('isStewardOf() holds only for a data steward linked to that station', () => {
    expect(isStewardOf(principal(['data_steward'], [station]), station)).toBe(true);
    expect(isStewardOf(principal(['data_steward'], [station]), other)).toBe(false);
    expect(isStewardOf(principal(['researcher'], [station]), station)).toBe(false);
    expect(isStewardOf(null, station)).toBe(false);
  });

  it('assertStewardOf() answers 404 for others, and lets admins through', () => {
    expect(() => assertStewardOf(principal(['data_steward'], [station]), station)).not.toThrow();
    expect(() => assertStewardOf(principal(['admin']), station)).not.toThrow();
    const refused = (() => {
      try {
        assertStewardOf(principal(['data_steward'], [other]), station);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(HubError);
    expect((refused as HubError).status).toBe(404);
  });

  it('assertOwner() admits the owner, and admins only when asked', () => {
    expect(() => assertOwner(principal(['researcher']), 'u1', 'project p')).not.toThrow();
    expect(() => assertOwner(principal(['researcher']), 'u2', 'project p')).toThrow('Cannot find project p');
    expect(() => assertOwner(principal(['admin']), 'u2', 'project p')).toThrow();
    expect(() => assertOwner(principal(['admin']), 'u2', 'project p', { adminMayAct: true })).not.toThrow();
    expect(hasRole(principal(['admin']), 'admin')).toBe(true);
  });
});
