import {
  addDecimals,
  compareDecimals,
  decimalFromNumber,
  decimalToNumber,
  formatDecimal,
  parseDecimal,
  subtractDecimals,
  zeroDecimal,
  type Decimal,
} from './_decimal.ts';

/** An amount of differential privacy: ε, and δ for approximate DP (0 for pure ε-DP). */
export interface PrivacyBudget {
  readonly epsilon: number;
  readonly delta: number;
}

/** The privacy cost of one release, e.g. `addDiscreteNoise(...).cost`. `delta` @default 0 */
export interface PrivacyCost {
  readonly epsilon: number;
  readonly delta?: number;
}

/** Why a charge was refused. */
export type ChargeRefusal = 'over-epsilon' | 'over-delta';

/** The outcome of {@linkcode BudgetLedger.tryCharge}: charged, or refused with nothing spent. */
export type ChargeResult =
  | { readonly ok: true; readonly remaining: PrivacyBudget }
  | {
      readonly ok: false;
      readonly code: ChargeRefusal;
      readonly reason: string;
      readonly remaining: PrivacyBudget;
    };

/**
 * A ledger's state as JSON, for a station to keep in its database. Amounts are exact decimal strings
 * ("0.1"), never floating-point numbers, so that a restored ledger compares exactly as the original did.
 */
export interface BudgetLedgerState {
  readonly version: 1;
  readonly total: { readonly epsilon: string; readonly delta: string };
  readonly spent: { readonly epsilon: string; readonly delta: string };
  /** Charges accepted so far. */
  readonly charges: number;
}

interface Amount {
  readonly epsilon: Decimal;
  readonly delta: Decimal;
}

/**
 * The differential-privacy budget of one permit, with basic sequential composition: the ε's and δ's of
 * accepted charges add up, and their sums never exceed the total. Arithmetic is exact on the decimals the
 * amounts print as (0.1 + 0.2 charges exactly 0.3). In memory only: the station persists
 * {@linkcode BudgetLedger.toJSON} (e.g. in the same DuckDB transaction as the release) and restores it
 * with {@linkcode BudgetLedger.fromJSON}.
 *
 * @example
 * const ledger = BudgetLedger.create({ epsilon: 1 });
 * ledger.tryCharge({ epsilon: 0.4 }); // { ok: true, remaining: { epsilon: 0.6, delta: 0 } }
 * ledger.tryCharge({ epsilon: 0.7 }); // { ok: false, code: 'over-epsilon', ... } — nothing spent
 */
export class BudgetLedger {
  readonly #total: Amount;
  #spent: Amount;
  #charges: number;

  private constructor(total: Amount, spent: Amount, charges: number) {
    this.#total = total;
    this.#spent = spent;
    this.#charges = charges;
  }

  /** A fresh ledger with nothing spent. `delta` @default 0 (pure ε-DP: any charge with δ > 0 is refused). */
  static create(total: { readonly epsilon: number; readonly delta?: number }): BudgetLedger {
    const epsilon = decimalFromNumber(total.epsilon, 'budget epsilon');
    const delta = decimalFromNumber(total.delta ?? 0, 'budget delta');
    if (epsilon.units === 0n) throw new RangeError('Cannot create budget: epsilon must be greater than 0');
    if (total.delta !== undefined && total.delta >= 1) {
      throw new RangeError(`Cannot create budget: delta must be below 1, got ${total.delta}`);
    }
    return new BudgetLedger({ epsilon, delta }, { epsilon: zeroDecimal, delta: zeroDecimal }, 0);
  }

  /** Restores a ledger from {@linkcode BudgetLedger.toJSON}'s output, checking it throughout. */
  static fromJSON(state: unknown): BudgetLedger {
    if (!isRecord(state) || state['version'] !== 1) {
      throw new TypeError('Cannot restore budget ledger: not a version-1 ledger state');
    }
    const total = readAmount(state['total'], 'total');
    const spent = readAmount(state['spent'], 'spent');
    const charges = state['charges'];
    if (typeof charges !== 'number' || !Number.isSafeInteger(charges) || charges < 0) {
      throw new TypeError('Cannot restore budget ledger: charges must be a non-negative integer');
    }
    if (total.epsilon.units === 0n) throw new RangeError('Cannot restore budget ledger: total epsilon is 0');
    if (compareDecimals(total.delta, { units: 1n, scale: 0 }) >= 0) {
      throw new RangeError('Cannot restore budget ledger: total delta must be below 1');
    }
    if (compareDecimals(spent.epsilon, total.epsilon) > 0 || compareDecimals(spent.delta, total.delta) > 0) {
      throw new RangeError('Cannot restore budget ledger: more is spent than the total');
    }
    return new BudgetLedger(total, spent, charges);
  }

  /**
   * Charges `cost` if the remaining budget covers both its ε and its δ, and returns what remains; otherwise
   * changes nothing and says why. A malformed cost (negative, not finite, δ ≥ 1) throws a RangeError.
   */
  tryCharge(cost: PrivacyCost): ChargeResult {
    const epsilon = decimalFromNumber(cost.epsilon, 'cost epsilon');
    const delta = decimalFromNumber(cost.delta ?? 0, 'cost delta');
    if (cost.delta !== undefined && cost.delta >= 1) {
      throw new RangeError(`Cannot charge budget: delta must be below 1, got ${cost.delta}`);
    }
    const spentEpsilon = addDecimals(this.#spent.epsilon, epsilon);
    const spentDelta = addDecimals(this.#spent.delta, delta);
    if (compareDecimals(spentEpsilon, this.#total.epsilon) > 0) {
      return this.#refuse(
        'over-epsilon',
        `Cannot charge budget: epsilon ${formatDecimal(epsilon)} exceeds the ${formatDecimal(subtractDecimals(this.#total.epsilon, this.#spent.epsilon))} remaining`,
      );
    }
    if (compareDecimals(spentDelta, this.#total.delta) > 0) {
      return this.#refuse(
        'over-delta',
        `Cannot charge budget: delta ${formatDecimal(delta)} exceeds the ${formatDecimal(subtractDecimals(this.#total.delta, this.#spent.delta))} remaining`,
      );
    }
    this.#spent = { epsilon: spentEpsilon, delta: spentDelta };
    this.#charges += 1;
    return { ok: true, remaining: this.remaining };
  }

  /** The whole budget. */
  get total(): PrivacyBudget {
    return toBudget(this.#total);
  }

  /** What accepted charges have used. */
  get spent(): PrivacyBudget {
    return toBudget(this.#spent);
  }

  /** What is left: total − spent. */
  get remaining(): PrivacyBudget {
    return toBudget({
      epsilon: subtractDecimals(this.#total.epsilon, this.#spent.epsilon),
      delta: subtractDecimals(this.#total.delta, this.#spent.delta),
    });
  }

  /** The number of accepted charges. */
  get charges(): number {
    return this.#charges;
  }

  /** The state to persist; {@linkcode BudgetLedger.fromJSON} restores it. */
  toJSON(): BudgetLedgerState {
    return {
      version: 1,
      total: { epsilon: formatDecimal(this.#total.epsilon), delta: formatDecimal(this.#total.delta) },
      spent: { epsilon: formatDecimal(this.#spent.epsilon), delta: formatDecimal(this.#spent.delta) },
      charges: this.#charges,
    };
  }

  #refuse(code: ChargeRefusal, reason: string): ChargeResult {
    return { ok: false, code, reason, remaining: this.remaining };
  }
}

function toBudget(amount: Amount): PrivacyBudget {
  return { epsilon: decimalToNumber(amount.epsilon), delta: decimalToNumber(amount.delta) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readAmount(value: unknown, what: string): Amount {
  if (!isRecord(value) || typeof value['epsilon'] !== 'string' || typeof value['delta'] !== 'string') {
    throw new TypeError(`Cannot restore budget ledger: ${what} must hold epsilon and delta as strings`);
  }
  return {
    epsilon: parseDecimal(value['epsilon'], `${what} epsilon`),
    delta: parseDecimal(value['delta'], `${what} delta`),
  };
}
