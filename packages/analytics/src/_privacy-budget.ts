/**
 * The part of a differential-privacy budget ledger the analytics library uses. `@polder/privacy` is
 * getting a ledger of its own; until its entry exports one, this is the seam a station implements (per
 * permit, persisted). `trySpend` must be atomic: it either records the whole spend and returns true, or
 * spends nothing and returns false.
 */
export interface PrivacyBudgetLedger {
  trySpend(request: {
    readonly epsilon: number;
    readonly delta?: number;
    readonly purpose: string;
  }): boolean | Promise<boolean>;
  /** What is left, for the refusal message. */
  remaining(): { readonly epsilon: number; readonly delta?: number } | Promise<{ readonly epsilon: number }>;
}

/** Uniform 32-bit randomness, as `@polder/privacy`'s `RandomSource`. */
export interface PrivacyRandomSource {
  nextUint32(): number;
}
