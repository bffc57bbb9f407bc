import { duoLabels, labelOf } from '../../labels.ts';
import type { DuoCheck } from './access-api.ts';

const outcomeWords = { ok: 'Fits', warning: 'Warning', block: 'Blocks' } as const;

/**
 * The outcome of checking a dataset's data-use conditions (DUO codes) against the stated purpose: a
 * warning asks the applicant to explain, a block means the purpose does not fit the dataset's terms.
 */
export function DuoCheckList({
  conditions,
  checks,
}: {
  readonly conditions: readonly string[];
  readonly checks: readonly DuoCheck[];
}) {
  const codes = [...new Set([...conditions, ...checks.map((c) => c.code)])];
  if (codes.length === 0) return <p className="muted">No data-use conditions.</p>;
  return (
    <ul className="duo-checks">
      {codes.map((code) => {
        const check = checks.find((c) => c.code === code);
        const outcome = check?.outcome;
        return (
          <li key={code} className={`duo-check duo-check-${outcome ?? 'unchecked'}`}>
            <span className="duo-label">{labelOf(duoLabels, code)}</span> <span className="code">{code}</span>
            {outcome !== undefined && (
              <span className={`duo-outcome duo-outcome-${outcome}`}>{outcomeWords[outcome]}</span>
            )}
            {check !== undefined && check.message !== '' && (
              <span className="duo-message">{check.message}</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
