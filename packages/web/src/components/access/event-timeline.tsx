import type { ApplicationEvent } from './access-api.ts';
import { eventLabels, labelFor } from './access-labels.ts';
import { formatDateTime } from './clocks.ts';

/** An application's history, oldest first: what happened, who did it, when, and their comment. */
export function EventTimeline({ events }: { readonly events: readonly ApplicationEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  return (
    <ol className="timeline">
      {ordered.map((event) => (
        <li key={event.seq} className={`timeline-item timeline-${event.type}`}>
          <p className="timeline-head">
            <strong>{labelFor(eventLabels, event.type)}</strong> by {event.actor.name}
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
