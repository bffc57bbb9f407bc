import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  compareDecimals,
  decimalFromNumber,
  decimalToNumber,
  formatDecimal,
  parseDecimal,
  subtractDecimals,
} from './_decimal.ts';

describe('decimals', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    const sum = addDecimals(decimalFromNumber(0.1, 'x'), decimalFromNumber(0.2, 'x'));
    expect(compareDecimals(sum, decimalFromNumber(0.3, 'x'))).toBe(0);
    expect(formatDecimal(sum)).toBe('0.3');
  });

  it('reads exponent forms and writes plain ones', () => {
    expect(formatDecimal(decimalFromNumber(1e-7, 'x'))).toBe('0.0000001');
    expect(formatDecimal(decimalFromNumber(2.5e-8, 'x'))).toBe('0.000000025');
    expect(formatDecimal(decimalFromNumber(1e21, 'x'))).toBe('1000000000000000000000');
    expect(formatDecimal(decimalFromNumber(12.5, 'x'))).toBe('12.5');
    expect(formatDecimal(parseDecimal('0.500', 'x'))).toBe('0.5');
  });

  it('refuses negative and non-finite numbers and malformed strings', () => {
    expect(() => decimalFromNumber(-1, 'epsilon')).toThrow(
      /Cannot use epsilon: it must be a finite number ≥ 0/,
    );
    expect(() => decimalFromNumber(Number.NaN, 'epsilon')).toThrow(/finite/);
    expect(() => parseDecimal('1e-5', 'delta')).toThrow(/not a plain decimal/);
    expect(() => parseDecimal('-1', 'delta')).toThrow(/not a plain decimal/);
  });

  it('round-trips numbers through the string form, and adds and subtracts exactly (property)', () => {
    const numbers = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(numbers, numbers, (a, b) => {
        const x = decimalFromNumber(a, 'a');
        const y = decimalFromNumber(b, 'b');
        expect(decimalToNumber(parseDecimal(formatDecimal(x), 'x'))).toBe(a);
        const sum = addDecimals(x, y);
        expect(compareDecimals(subtractDecimals(sum, y), x)).toBe(0);
        expect(compareDecimals(x, y)).toBe(Math.sign(a - b));
      }),
    );
  });
});
