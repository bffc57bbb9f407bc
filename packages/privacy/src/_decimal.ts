/**
 * Exact non-negative decimals, `units / 10^scale`, for privacy budgets: ε and δ are written by people as
 * decimals (0.1, 1e-5), and a budget of 0.3 must take charges of 0.1 and 0.2 — which binary floating
 * point gets wrong (0.1 + 0.2 > 0.3).
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const numberPattern = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;
const stringPattern = /^(\d+)(?:\.(\d+))?$/;

/** The decimal a number prints as (its shortest round-trip form, e.g. 0.1 → 1/10). */
export function decimalFromNumber(value: number, what: string): Decimal {
  const match = Number.isFinite(value) && value >= 0 ? numberPattern.exec(String(value)) : null;
  if (match === null) {
    throw new RangeError(`Cannot use ${what}: it must be a finite number ≥ 0, got ${String(value)}`);
  }
  const [, whole = '', fraction = '', exponent = '0'] = match;
  const scale = fraction.length - Number(exponent);
  const digits = BigInt(whole + fraction);
  return scale >= 0
    ? normalise({ units: digits, scale })
    : { units: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** Parses a plain decimal string such as "0.25" (the form {@linkcode formatDecimal} writes). */
export function parseDecimal(text: string, what: string): Decimal {
  const match = stringPattern.exec(text);
  if (match === null) throw new RangeError(`Cannot read ${what}: '${text}' is not a plain decimal number`);
  const [, whole = '', fraction = ''] = match;
  return normalise({ units: BigInt(whole + fraction), scale: fraction.length });
}

/** Writes a decimal without exponent or trailing zeros, e.g. "0.00001". */
export function formatDecimal(value: Decimal): string {
  const digits = value.units.toString().padStart(value.scale + 1, '0');
  if (value.scale === 0) return digits;
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale);
  return `${whole}.${fraction}`;
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return normalise({ units: rescale(a, scale) + rescale(b, scale), scale });
}

/** a − b; the caller ensures a ≥ b. */
export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return normalise({ units: rescale(a, scale) - rescale(b, scale), scale });
}

/** Negative, zero or positive as a <, =, > b. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const difference = rescale(a, scale) - rescale(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

export function decimalToNumber(value: Decimal): number {
  return Number(formatDecimal(value));
}

export const zeroDecimal: Decimal = Object.freeze({ units: 0n, scale: 0 });

function rescale(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function normalise(value: Decimal): Decimal {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}
