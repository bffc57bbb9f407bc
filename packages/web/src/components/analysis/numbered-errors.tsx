import { useEffect, useRef } from 'react';

/** A form's problems after a failed submit, focused so that a screen reader reads them at once. */
export function NumberedErrors({
  title,
  problems,
}: {
  readonly title: string;
  readonly problems: readonly string[];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problems.length > 0) box.current?.focus();
  }, [problems]);
  if (problems.length === 0) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={box}>
      <p className="alert-title">{title}</p>
      <ul>
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
