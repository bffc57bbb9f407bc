import { useEffect, useState } from 'react';
import { api } from '../api-client.ts';
import { formatQualityScore } from '../format.ts';

/*
 * The search answer carries no quality score yet, so a card asks for its dataset (once per dataset and page
 * load). When the search API returns the score, pass it as `score` and nothing is fetched.
 */
const scores = new Map<string, Promise<number | null>>();

function loadScore(datasetId: string): Promise<number | null> {
  let score = scores.get(datasetId);
  if (score === undefined) {
    score = api.dataset(datasetId).then(
      (dataset) => dataset.statistics?.dataQuality?.score ?? null,
      () => null,
    );
    scores.set(datasetId, score);
  }
  return score;
}

/** A dataset's data-quality score in percent, with a bar; `score` when known, else fetched. */
export function QualityScore(props: { readonly datasetId: string; readonly score?: number | null }) {
  const [score, setScore] = useState<number | null | undefined>(props.score);
  useEffect(() => {
    if (props.score !== undefined) return;
    let live = true;
    void loadScore(props.datasetId).then((s) => live && setScore(s));
    return () => {
      live = false;
    };
  }, [props.datasetId, props.score]);
  if (score === undefined) return <span className="muted">…</span>;
  return <QualityMeter score={score} />;
}

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
