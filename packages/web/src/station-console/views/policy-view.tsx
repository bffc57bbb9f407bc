import { useCallback, useState, type FormEvent } from 'react';
import type { ViewProps } from '../console-app.tsx';
import type { DisclosureThresholds, PolicyView as PolicyAnswer, StationPolicy } from '../station-api.ts';
import { messageOf, useStationData } from '../use-station-data.ts';
import { Loading, ViewFrame } from './view-frame.tsx';

/** The policy editor: which algorithms run, which wait for approval, and stricter disclosure thresholds. */
export function PolicyView({ api, onUnauthorised }: ViewProps) {
  const { data, reload } = useStationData(
    useCallback(() => api.policy(), [api]),
    onUnauthorised,
  );
  const [status, setStatus] = useState('');
  return (
    <ViewFrame
      title="Policy"
      lede="What this station runs for researchers. Thresholds may be stricter than the platform's, never looser; a change applies to the next task."
    >
      <p className="status-line" role="status">
        {status}
      </p>
      <Loading data={data}>
        {(view) => (
          <PolicyForm
            key={JSON.stringify(view.policy)}
            view={view}
            onSave={async (policy) => {
              await api.setPolicy(policy);
              setStatus('Policy saved. It applies to the next task.');
              await reload();
            }}
          />
        )}
      </Loading>
    </ViewFrame>
  );
}

const thresholds: readonly {
  readonly key: keyof DisclosureThresholds;
  readonly label: string;
  readonly hint: string;
  readonly step: string;
}[] = [
  { key: 'minCount', label: 'Smallest count released', hint: 'Counts below it are suppressed.', step: '1' },
  { key: 'roundTo', label: 'Round counts to', hint: 'A multiple of 5.', step: '5' },
  {
    key: 'minSummaryRecords',
    label: 'Fewest records for a summary or model',
    hint: 'Fewer records: no result.',
    step: '1',
  },
  {
    key: 'glmParameterRatio',
    label: 'Largest GLM parameters per record',
    hint: 'Lower is stricter.',
    step: '0.01',
  },
  {
    key: 'kmMinAtRisk',
    label: 'Fewest at risk for a Kaplan–Meier step',
    hint: 'Steps with fewer are withheld.',
    step: '1',
  },
];

function PolicyForm({
  view,
  onSave,
}: {
  readonly view: PolicyAnswer;
  readonly onSave: (policy: StationPolicy) => Promise<void>;
}) {
  const { policy, platformDefaults, algorithms } = view;
  const [allowed, setAllowed] = useState<ReadonlySet<string>>(new Set(policy.allowedAlgorithms));
  const [approvalMode, setApprovalMode] = useState<'none' | 'all' | 'some'>(
    Array.isArray(policy.manualApproval) ? 'some' : policy.manualApproval,
  );
  const [held, setHeld] = useState<ReadonlySet<string>>(
    new Set(Array.isArray(policy.manualApproval) ? policy.manualApproval : []),
  );
  const [values, setValues] = useState<Partial<Record<keyof DisclosureThresholds, string>>>(() =>
    Object.fromEntries(
      thresholds.map(({ key }) => [
        key,
        policy.disclosure[key] === undefined ? '' : String(policy.disclosure[key]),
      ]),
    ),
  );
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const toggle = (set: ReadonlySet<string>, name: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(name);
    else next.delete(name);
    return next;
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const disclosure: Record<string, number> = {};
    for (const { key, label } of thresholds) {
      const text = values[key]?.trim() ?? '';
      if (text === '') continue;
      const value = Number(text);
      if (!Number.isFinite(value)) {
        setError(`${label}: enter a number, or leave it empty for the platform's ${platformDefaults[key]}.`);
        return;
      }
      disclosure[key] = value;
    }
    const names = algorithms.map((a) => a.name);
    const next: StationPolicy = {
      allowedAlgorithms: names.filter((name) => allowed.has(name)),
      manualApproval: approvalMode === 'some' ? names.filter((name) => held.has(name)) : approvalMode,
      disclosure,
    };
    setBusy(true);
    setError(undefined);
    try {
      await onSave(next);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card" onSubmit={(event) => void submit(event)} noValidate>
      <p className="muted">
        {view.source === 'default'
          ? 'No policy is set: the platform defaults apply.'
          : 'The policy set in station-policy.json applies.'}
      </p>
      <fieldset className="choice-group">
        <legend>Algorithms this station runs</legend>
        {algorithms.map((algorithm) => (
          <div className="check-field" key={algorithm.name}>
            <input
              type="checkbox"
              id={`allow-${algorithm.name}`}
              checked={allowed.has(algorithm.name)}
              onChange={(event) => setAllowed(toggle(allowed, algorithm.name, event.target.checked))}
            />
            <label htmlFor={`allow-${algorithm.name}`}>
              {algorithm.title} <span className="muted">({algorithm.name})</span>
            </label>
          </div>
        ))}
      </fieldset>
      <fieldset className="choice-group">
        <legend>Tasks that wait for your approval</legend>
        {(
          [
            ['none', 'None: allowed tasks run at once'],
            ['all', 'All tasks'],
            ['some', 'Tasks of these algorithms:'],
          ] as const
        ).map(([mode, label]) => (
          <div className="choice" key={mode}>
            <input
              type="radio"
              name="approval-mode"
              id={`approval-${mode}`}
              checked={approvalMode === mode}
              onChange={() => setApprovalMode(mode)}
            />
            <label htmlFor={`approval-${mode}`}>{label}</label>
          </div>
        ))}
        {approvalMode === 'some' && (
          <div className="nested-choices">
            {algorithms.map((algorithm) => (
              <div className="check-field" key={algorithm.name}>
                <input
                  type="checkbox"
                  id={`hold-${algorithm.name}`}
                  checked={held.has(algorithm.name)}
                  onChange={(event) => setHeld(toggle(held, algorithm.name, event.target.checked))}
                />
                <label htmlFor={`hold-${algorithm.name}`}>Hold {algorithm.title.toLowerCase()}</label>
              </div>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="choice-group">
        <legend>Disclosure control</legend>
        <p className="hint">Leave a field empty for the platform&apos;s value (shown as its placeholder).</p>
        <div className="field-grid">
          {thresholds.map(({ key, label, hint, step }) => (
            <div className="field" key={key}>
              <label htmlFor={`threshold-${key}`}>{label}</label>
              <p className="hint" id={`threshold-hint-${key}`}>
                {hint} Platform: {platformDefaults[key]}; now {view.effective[key]}.
              </p>
              <input
                type="number"
                id={`threshold-${key}`}
                aria-describedby={`threshold-hint-${key}`}
                step={step}
                placeholder={String(platformDefaults[key])}
                value={values[key] ?? ''}
                onChange={(event) => setValues({ ...values, [key]: event.target.value })}
              />
            </div>
          ))}
        </div>
      </fieldset>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button" disabled={busy}>
          Save policy
        </button>
      </div>
    </form>
  );
}
