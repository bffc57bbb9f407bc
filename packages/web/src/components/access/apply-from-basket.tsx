import { useId, useState, type FormEvent } from 'react';
import { navigate } from '../../router.tsx';
import { accessApi, type ApplicationKind } from './access-api.ts';
import { applicationPath } from './access-paths.ts';
import { messageOf } from './use-resource.ts';

/**
 * Starts an application with the datasets of the basket: a data permit (to run analyses under it) or a
 * data request (EHDS Art. 69: anonymised statistics only, computed for the applicant). Opens the new
 * application's form.
 */
export function ApplyFromBasket({ datasetIds }: { readonly datasetIds: readonly string[] }) {
  const id = useId();
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async (event: FormEvent<HTMLFormElement>, kind: ApplicationKind) => {
    event.preventDefault();
    if (title.trim() === '') {
      setError('Give your project a title first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const application = await accessApi.createApplication({
        kind,
        title: title.trim(),
        datasetIds: [...datasetIds],
      });
      navigate(applicationPath(application.id));
    } catch (caught) {
      setError(messageOf(caught, 'Cannot start the application'));
      setBusy(false);
    }
  };

  return (
    <form
      className="card apply-card"
      aria-labelledby={`${id}-title`}
      noValidate
      onSubmit={(e) => {
        const submitter = (e.nativeEvent as SubmitEvent).submitter;
        void start(e, submitter?.getAttribute('value') === 'data-request' ? 'data-request' : 'permit');
      }}
    >
      <h2 id={`${id}-title`}>Apply for access</h2>
      <p className="hint">
        Apply for a data permit to analyse these datasets in the federation, or ask a data request for
        anonymised statistics only. Your application is saved as a draft until you submit it.
      </p>
      <div className="field">
        <label htmlFor={id}>Project title</label>
        <input
          id={id}
          value={title}
          required
          aria-invalid={error !== null && title.trim() === ''}
          onChange={(e) => setTitle(e.target.value)}
        />
      </div>
      {error !== null && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" name="kind" value="permit" className="button" disabled={busy}>
          Apply for access
        </button>
        <button
          type="submit"
          name="kind"
          value="data-request"
          className="button button-secondary"
          disabled={busy}
        >
          Ask a data request
        </button>
      </div>
    </form>
  );
}
