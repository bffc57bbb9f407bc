import type { ApplicationEvent } from './access-api.ts';
import { eventLabels, labelFor } from './access-labels.ts';
import { formatDateTime } from './clocks.ts';

/** Events in order, with runs of the same uncommented event by the same person (autosaves) as one. */
function collapse(events: readonly ApplicationEvent[]): { event: ApplicationEvent; times: number }[] {
  const runs: { event: ApplicationEvent; times: number }[] = [];
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    const last = runs.at(-1);
    const quiet = (e: ApplicationEvent) => e.comment === null || e.comment === '';
    if (
      last &&
      last.event.type === event.type &&
      last.event.actor.id === event.actor.id &&
      quiet(event) &&
      quiet(last.event)
    ) {
      runs[runs.length - 1] = { event, times: last.times + 1 };
    } else {
      runs.push({ event, times: 1 });
    }
  }
  return runs;
}

/**
 * An application's history, oldest first: what happened, who did it, when, and their comment. Repeated
 * saves of the form show as one entry with a count.
 */
export function EventTimeline({ events }: { readonly events: readonly ApplicationEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  const ordered = collapse(events);
  return (
    <ol className="timeline">
      {ordered.map(({ event, times }) => (
        <li key={event.seq} className={`timeline-item timeline-${event.type}`}>
          <p className="timeline-head">
            <strong>{labelFor(eventLabels, event.type)}</strong>
            {times > 1 && ` (${times} times)`} by {event.actor.name}
          </p>
          <p className="hint">
            <time dateTime={event.at}>{formatDateTime(event.at)}</time>
          </p>
          {event.comment !== undefined && event.comment !== null && event.comment !== '' && (
            <blockquote className="timeline-comment">{event.comment}</blockquote>
          )}
        </li>
      ))}
    </ol>
  );
}
