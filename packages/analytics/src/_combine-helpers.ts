import { AnalyticsError } from './analytics-error.ts';
import type { StationPartial } from './algorithm.ts';
import type { ReleasedOutputPart } from './output-kinds.ts';

type PartOfKind<K extends ReleasedOutputPart['kind']> = Extract<ReleasedOutputPart, { kind: K }>;

/** The part `name` of a station's output, checked to be of one of `kinds`. */
export function partOf<K extends ReleasedOutputPart['kind']>(
  partial: StationPartial,
  name: string,
  kinds: readonly K[],
): PartOfKind<K> {
  const part = partial.output[name];
  if (part === undefined || !(kinds as readonly string[]).includes(part.kind)) {
    throw new AnalyticsError(
      'compute',
      `Cannot combine the stations' outputs: station ${partial.stationId} sent no ${kinds.join(' or ')} part "${name}"`,
    );
  }
  return part as PartOfKind<K>;
}

/** Refuses to combine nothing. */
export function requirePartials(partials: readonly StationPartial[], what: string): void {
  if (partials.length === 0) {
    throw new AnalyticsError('insufficient-data', `Cannot combine ${what}: no station returned an output`);
  }
}
