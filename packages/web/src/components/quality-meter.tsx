import { formatQualityScore } from '../format.ts';

/** A score as text and a small bar (the text carries the meaning; the bar only echoes it). */
export function QualityMeter({ score }: { readonly score: number | null }) {
  if (score === null) return <span className="muted">{formatQualityScore(null)}</span>;
  const level = score >= 90 ? 'good' : score >= 75 ? 'fair' : 'poor';
  return (
    <span className="quality">
      <span className={`quality-bar quality-${level}`} aria-hidden="true">
        <span style={{ width: `${Math.max(0, Math.min(100, score))}%` }} />
      </span>
      {formatQualityScore(score)}
    </span>
  );
}
