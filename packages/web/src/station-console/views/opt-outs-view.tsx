import { useCallback, useState, type FormEvent } from 'react';
import type { ViewProps } from '../console-app.tsx';
import type { OptOutPurpose } from '../station-api.ts';
import { messageOf, useStationData } from '../use-station-data.ts';
import { formatTime, Loading, ViewFrame } from './view-frame.tsx';

const purposes: readonly { readonly value: OptOutPurpose; readonly label: string }[] = [
  { value: 'all', label: 'All purposes' },
  { value: 'a', label: '(a) public and occupational health' },
  { value: 'b', label: '(b) policy making and regulation' },
  { value: 'c', label: '(c) statistics' },
  { value: 'd', label: '(d) education and teaching' },
  { value: 'e', label: '(e) scientific research' },
  { value: 'f', label: '(f) improvement of care' },
];

/** The opt-out register: record or withdraw a patient's opt-out, and list the register (pseudonyms only). */
export function OptOutsView({ api, onUnauthorised }: ViewProps) {
  const [includeWithdrawn, setIncludeWithdrawn] = useState(false);
  const { data, reload } = useStationData(
    useCallback(() => api.optOuts(includeWithdrawn), [api, includeWithdrawn]),
    onUnauthorised,
  );
  const [patient, setPatient] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<OptOutPurpose>>(new Set());
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function change(kind: 'record' | 'withdraw', event?: FormEvent) {
    event?.preventDefault();
    if (patient.trim() === '' || chosen.size === 0) {
      setError('Enter the patient number and choose at least one purpose.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const selected = purposes.map((p) => p.value).filter((p) => chosen.has(p));
      const result = await (kind === 'record' ? api.recordOptOut : api.withdrawOptOut)(
        patient.trim(),
        selected,
      );
      setStatus(
        `${kind === 'record' ? 'Recorded' : 'Withdrew'} opt-out ${result.reference}: ` +
          (result.changed.length === 0 ? 'nothing changed.' : `changed ${result.changed.join(', ')}.`),
      );
      setPatient('');
      setChosen(new Set());
      await reload();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ViewFrame
      title="Opt-outs"
      lede="A patient's opt-out applies to permits granted after it (EHDS Art. 71). The register keeps a keyed hash of the patient number, never the number itself."
    >
      <p className="status-line" role="status">
        {status}
      </p>
      <form className="form card" onSubmit={(event) => void change('record', event)} noValidate>
        <h2>Record or withdraw an opt-out</h2>
        <div className="field">
          <label htmlFor="patient-number">Patient number</label>
          <input
            id="patient-number"
            type="text"
            autoComplete="off"
            value={patient}
            onChange={(event) => setPatient(event.target.value)}
          />
        </div>
        <fieldset className="choice-group inline">
          <legend>Purposes</legend>
          {purposes.map((purpose) => (
            <div className="check-field" key={purpose.value}>
              <input
                type="checkbox"
                id={`purpose-${purpose.value}`}
                checked={chosen.has(purpose.value)}
                onChange={(event) => {
                  const next = new Set(chosen);
                  if (event.target.checked) next.add(purpose.value);
                  else next.delete(purpose.value);
                  setChosen(next);
                }}
              />
              <label htmlFor={`purpose-${purpose.value}`}>{purpose.label}</label>
            </div>
          ))}
        </fieldset>
        {error && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="button" disabled={busy}>
            Record opt-out
          </button>
          <button
            type="button"
            className="button button-quiet"
            disabled={busy}
            onClick={() => void change('withdraw')}
          >
            Withdraw opt-out
          </button>
        </div>
      </form>
      <div className="check-field register-toggle">
        <input
          type="checkbox"
          id="include-withdrawn"
          checked={includeWithdrawn}
          onChange={(event) => setIncludeWithdrawn(event.target.checked)}
        />
        <label htmlFor="include-withdrawn">Show withdrawn opt-outs too</label>
      </div>
      <Loading data={data}>
        {({ optOuts }) => (
          <div className="table-scroll">
            <table className="data-table">
              <caption>The register, newest first ({optOuts.length})</caption>
              <thead>
                <tr>
                  <th scope="col">Pseudonym</th>
                  <th scope="col">Purpose</th>
                  <th scope="col">Since</th>
                  <th scope="col">Recorded by</th>
                  <th scope="col">Withdrawn</th>
                </tr>
              </thead>
              <tbody>
                {optOuts.map((row) => (
                  <tr key={`${row.pseudonym}-${row.purpose}-${row.recordedAt}`}>
                    <th scope="row" className="code">
                      {row.pseudonym.slice(0, 16)}
                    </th>
                    <td>{row.purpose}</td>
                    <td>{formatTime(row.recordedAt)}</td>
                    <td>{row.recordedBy}</td>
                    <td>
                      {row.withdrawnAt === null
                        ? '–'
                        : `${formatTime(row.withdrawnAt)} by ${row.withdrawnBy ?? '?'}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loading>
    </ViewFrame>
  );
}
