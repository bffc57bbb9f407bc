import { labelFor, stateLabels } from './access-labels.ts';
import { describeClock, dueKindLabels, type Clock } from './clocks.ts';

/** An application's state as a coloured badge; the words carry the meaning, the colour only echoes it. */
export function StateBadge({ state }: { readonly state: string }) {
  return (
    <span className={`state-badge state-${state.replace(/[^a-z-]/g, '')}`}>
      {labelFor(stateLabels, state)}
    </span>
  );
}

/** A running clock: days left, or an overdue badge. */
export function ClockBadge({ clock }: { readonly clock: Clock | null }) {
  if (clock === null) return <span className="muted">no clock running</span>;
  const whose = dueKindLabels[clock.kind];
  return (
    <span
      className={clock.overdue ? 'clock clock-overdue' : clock.daysLeft <= 14 ? 'clock clock-soon' : 'clock'}
    >
      <span className="clock-kind">{whose}:</span>
      {clock.overdue && <span className="overdue-badge">Overdue</span>}
      {describeClock(clock)}
    </span>
  );
}
