export { defaultDisclosurePolicy, resolveDisclosurePolicy } from './disclosure-policy.ts';
export type { DisclosurePolicy, DisclosurePolicyOptions } from './disclosure-policy.ts';
export { controlCount, controlledValue, roundToMultiple } from './control-count.ts';
export type { ControlledCount, SuppressionReason } from './control-count.ts';
export { controlDistribution } from './control-distribution.ts';
export type { ControlledCell, ControlledDistribution } from './control-distribution.ts';
export { controlTable } from './control-table.ts';
export type {
  ControlledMargin,
  ControlledTable,
  MarginWithheldReason,
  TableDisclosureEntry,
} from './control-table.ts';
export { cryptoRandomSource, seededRandomSource } from './random-source.ts';
export type { RandomSource } from './random-source.ts';
export type { Rational } from './_exact.ts';
export { sampleDiscreteLaplace } from './discrete-laplace.ts';
export { sampleDiscreteGaussian } from './discrete-gaussian.ts';
export { addDiscreteNoise } from './add-discrete-noise.ts';
export type { DiscreteNoiseOptions, NoisyCount } from './add-discrete-noise.ts';
export { BudgetLedger } from './budget-ledger.ts';
export type {
  BudgetLedgerState,
  ChargeRefusal,
  ChargeResult,
  PrivacyBudget,
  PrivacyCost,
} from './budget-ledger.ts';
export { generatePseudonymKey, keyedPseudonym } from './keyed-pseudonym.ts';
