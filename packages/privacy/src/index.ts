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
