import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetLedger } from './budget-ledger.ts';

describe('BudgetLedger', () => {
  it('charges until the budget is used, then refuses without spending', () => {
    const ledger = BudgetLedger.create({ epsilon: 1 });
    expect(ledger.tryCharge({ epsilon: 0.4 })).toEqual({ ok: true, remaining: { epsilon: 0.6, delta: 0 } });
    const refused = ledger.tryCharge({ epsilon: 0.7 });
    expect(refused).toEqual({
      ok: false,
      code: 'over-epsilon',
      reason: 'Cannot charge budget: epsilon 0.7 exceeds the 0.6 remaining',
      remaining: { epsilon: 0.6, delta: 0 },
    });
    expect(ledger.tryCharge({ epsilon: 0.6 })).toEqual({ ok: true, remaining: { epsilon: 0, delta: 0 } });
    expect(ledger.charges).toBe(2);
    expect(ledger.tryCharge({ epsilon: 0.0001 }).ok).toBe(false);
  });

  it('composes decimals exactly: 0.1 + 0.2 fits a budget of 0.3', () => {
    const ledger = BudgetLedger.create({ epsilon: 0.3 });
    expect(ledger.tryCharge({ epsilon: 0.1 }).ok).toBe(true);
    expect(ledger.tryCharge({ epsilon: 0.2 }).ok).toBe(true);
    expect(ledger.remaining.epsilon).toBe(0);
    expect(ledger.tryCharge({ epsilon: Number.MIN_VALUE }).ok).toBe(false);
  });

  it('accounts for delta and refuses any delta on a pure-ε budget', () => {
    const pure = BudgetLedger.create({ epsilon: 1 });
    expect(pure.tryCharge({ epsilon: 0.1, delta: 1e-9 })).toMatchObject({ ok: false, code: 'over-delta' });
    const approximate = BudgetLedger.create({ epsilon: 2, delta: 1e-5 });
    expect(approximate.tryCharge({ epsilon: 0.5, delta: 6e-6 }).ok).toBe(true);
    expect(approximate.tryCharge({ epsilon: 0.5, delta: 6e-6 })).toMatchObject({
      ok: false,
      code: 'over-delta',
      reason: 'Cannot charge budget: delta 0.000006 exceeds the 0.000004 remaining',
    });
    expect(approximate.spent).toEqual({ epsilon: 0.5, delta: 6e-6 });
  });

  it('refuses malformed budgets and costs with an error', () => {
    expect(() => BudgetLedger.create({ epsilon: 0 })).toThrow(/epsilon must be greater than 0/);
    expect(() => BudgetLedger.create({ epsilon: 1, delta: 1 })).toThrow(/delta must be below 1/);
    const ledger = BudgetLedger.create({ epsilon: 1 });
    expect(() => ledger.tryCharge({ epsilon: -0.1 })).toThrow(/cost epsilon/);
    expect(() => ledger.tryCharge({ epsilon: Number.NaN })).toThrow(/cost epsilon/);
    expect(ledger.charges).toBe(0);
  });

  it('survives a round trip through JSON, and refuses a tampered or malformed state', () => {
    const ledger = BudgetLedger.create({ epsilon: 1.5, delta: 1e-6 });
    ledger.tryCharge({ epsilon: 0.25, delta: 1e-7 });
    const json = JSON.stringify(ledger);
    expect(JSON.parse(json)).toEqual({
      version: 1,
      total: { epsilon: '1.5', delta: '0.000001' },
      spent: { epsilon: '0.25', delta: '0.0000001' },
      charges: 1,
    });
    const restored = BudgetLedger.fromJSON(JSON.parse(json));
    expect(restored.toJSON()).toEqual(ledger.toJSON());
    expect(restored.tryCharge({ epsilon: 1.25 }).ok).toBe(true);
    expect(restored.tryCharge({ epsilon: 0.0000001 }).ok).toBe(false);

    const state = ledger.toJSON();
    expect(() => BudgetLedger.fromJSON({ ...state, spent: { epsilon: '2', delta: '0' } })).toThrow(
      /more is spent than the total/,
    );
    expect(() => BudgetLedger.fromJSON({ ...state, version: 2 })).toThrow(/version-1/);
    expect(() => BudgetLedger.fromJSON({ ...state, total: { epsilon: 1, delta: '0' } })).toThrow(
      /as strings/,
    );
    expect(() => BudgetLedger.fromJSON({ ...state, total: { epsilon: '1e5', delta: '0' } })).toThrow(
      /not a plain decimal/,
    );
    expect(() => BudgetLedger.fromJSON({ ...state, charges: -1 })).toThrow(/charges/);
    expect(() => BudgetLedger.fromJSON(null)).toThrow(/version-1/);
  });

  it('never spends beyond the total, and a refused charge changes nothing (property)', () => {
    const amount = fc.oneof(
      fc.constantFrom(0, 0.1, 0.2, 0.3, 0.05, 1),
      fc.double({ min: 0, max: 2, noNaN: true }),
    );
    const deltas = fc.oneof(fc.constant(0), fc.constantFrom(1e-6, 5e-7, 1e-7));
    fc.assert(
      fc.property(
        fc.record({
          epsilon: fc.double({ min: 0.01, max: 5, noNaN: true }),
          delta: fc.constantFrom(0, 1e-6, 1e-5),
        }),
        fc.array(fc.record({ epsilon: amount, delta: deltas }), { maxLength: 40 }),
        fc.boolean(),
        (total, charges, persistBetween) => {
          let ledger = BudgetLedger.create(total);
          let acceptedEpsilon = 0;
          for (const cost of charges) {
            const before = JSON.stringify(ledger);
            const result = ledger.tryCharge(cost);
            if (result.ok) {
              acceptedEpsilon += cost.epsilon;
              expect(ledger.charges).toBe(JSON.parse(before).charges + 1);
            } else {
              expect(JSON.stringify(ledger)).toBe(before);
            }
            const spent = ledger.toJSON().spent;
            // Exact decimal comparison through the strings: spent ≤ total.
            expect(Number(spent.epsilon)).toBeLessThanOrEqual(total.epsilon);
            expect(Number(spent.delta)).toBeLessThanOrEqual(total.delta);
            expect(ledger.remaining.epsilon).toBeGreaterThanOrEqual(0);
            if (persistBetween) ledger = BudgetLedger.fromJSON(JSON.parse(JSON.stringify(ledger)));
          }
          // Float sums of the accepted charges agree with the exact ledger up to rounding.
          expect(Math.abs(ledger.spent.epsilon - acceptedEpsilon)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });
});
