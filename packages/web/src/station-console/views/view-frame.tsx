import type { ReactNode } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import type { Loaded } from '../use-station-data.ts';

/** A view's page: its heading, a line on what it is for, and its content. */
export function ViewFrame({
  title,
  lede,
  children,
}: {
  readonly title: string;
  readonly lede: ReactNode;
  readonly children: ReactNode;
}) {
  useDocumentTitle(`${title} · station console`);
  return (
    <div className="page console-page">
      <h1>{title}</h1>
      <p className="lede">{lede}</p>
      {children}
    </div>
  );
}

/** Renders a loaded value, or says that it is loading or why it failed. */
export function Loading<T>({
  data,
  children,
}: {
  readonly data: Loaded<T>;
  readonly children: (value: T) => ReactNode;
}) {
  if (data.state === 'loading') return <p className="muted">Loading…</p>;
  if (data.state === 'failed') {
    return (
      <p className="alert alert-error" role="alert">
        {data.error.message}
      </p>
    );
  }
  return <>{children(data.value)}</>;
}

/** A time as the steward reads it: local date and time to the minute. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** A whole number with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-GB');
}
