import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api } from '../api-client.ts';
import { useDocumentTitle } from '../components/use-document-title.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

type Step = 'password' | 'totp' | 'totp_enrolment';

/** Where to go after signing in: the `next` parameter when it is a path of this app, else the catalogue. */
function destination(query: URLSearchParams): string {
  const next = query.get('next');
  // Not '//host' or '/\host', which browsers read as another site.
  return next !== null && /^\/(?![/\\])/.test(next) ? next : '/';
}

/** Sign in with email and password, then with an authenticator code when the account needs one. */
export function SignInPage() {
  useDocumentTitle('Sign in');
  const { query } = useLocation();
  const { user, signedIn } = useSession();
  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const codeInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (step === 'totp') codeInput.current?.focus();
  }, [step]);

  useEffect(() => {
    if (step !== 'totp_enrolment') return;
    let live = true;
    api.startTotpEnrolment().then(
      (answer) => live && setEnrolment(answer),
      (caught: unknown) =>
        live &&
        setError(caught instanceof ApiError ? caught.message : 'Cannot start enrolling an authenticator'),
    );
    return () => {
      live = false;
    };
  }, [step]);

  if (user) {
    return (
      <div className="page narrow">
        <h1>Signed in</h1>
        <p>You are signed in as {user.name}.</p>
        <p>
          <Link href="/">Search the catalogue</Link>
        </p>
      </div>
    );
  }

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Cannot sign in: something went wrong');
    } finally {
      setBusy(false);
    }
  };

  const submitPassword = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await api.signIn(email, password);
      if (answer.status === 'signed_in') {
        signedIn(answer.user);
        navigate(destination(query), { replace: true });
      } else {
        setPassword('');
        setStep(answer.status === 'totp_required' ? 'totp' : 'totp_enrolment');
      }
    });
  };

  const submitCode = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await api.submitTotp(code.trim());
      signedIn(answer.user);
      navigate(destination(query), { replace: true });
    });
  };

  const submitEnrolmentCode = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await api.confirmTotpEnrolment(code.trim());
      signedIn(answer.user);
      navigate(destination(query), { replace: true });
    });
  };

  const restart = () => {
    void api.signOut().catch(() => undefined);
    setStep('password');
    setEnrolment(null);
    setCode('');
    setError(null);
  };

  const codeField = (
    <div className="field">
      <label htmlFor="sign-in-code">Authenticator code</label>
      <input
        id="sign-in-code"
        ref={codeInput}
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        aria-describedby="sign-in-code-hint"
        value={code}
        onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
      />
      <p id="sign-in-code-hint" className="hint">
        Six digits; a new code appears every 30 seconds.
      </p>
    </div>
  );

  return (
    <div className="page narrow">
      <div className="card sign-in-card">
        <h1>Sign in</h1>
        {error !== null && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        {step === 'password' && (
          <form onSubmit={submitPassword} className="form" aria-label="Sign in with email and password">
            <div className="field">
              <label htmlFor="sign-in-email">Email address</label>
              <input
                id="sign-in-email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="sign-in-password">Password</label>
              <input
                id="sign-in-password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </div>
            <button type="submit" className="button" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        {step === 'totp' && (
          <form onSubmit={submitCode} className="form" aria-label="Second factor">
            <p>
              Your account is protected with a second factor. Enter the 6-digit code from your authenticator
              app.
            </p>
            {codeField}
            <div className="button-row">
              <button type="submit" className="button" disabled={busy}>
                {busy ? 'Checking…' : 'Verify'}
              </button>
              <button type="button" className="button button-quiet" onClick={restart}>
                Start again
              </button>
            </div>
          </form>
        )}
        {step === 'totp_enrolment' && (
          <form onSubmit={submitEnrolmentCode} className="form" aria-label="Set up a second factor">
            <p>
              Your role needs a second factor. Add this account to an authenticator app (such as one on your
              phone), then enter the 6-digit code it shows.
            </p>
            {enrolment === null ? (
              <p className="muted">Preparing a key…</p>
            ) : (
              <div className="enrolment-key">
                <p>
                  Setup key: <code className="key">{enrolment.secret.match(/.{1,4}/g)?.join(' ')}</code>
                </p>
                <p className="hint">
                  Type the key into the app, or{' '}
                  <a href={enrolment.otpauthUri}>open it in an authenticator app</a> on this device.
                </p>
              </div>
            )}
            {codeField}
            <div className="button-row">
              <button type="submit" className="button" disabled={busy || enrolment === null}>
                {busy ? 'Checking…' : 'Confirm and sign in'}
              </button>
              <button type="button" className="button button-quiet" onClick={restart}>
                Start again
              </button>
            </div>
          </form>
        )}
      </div>
      <p className="hint center">
        The catalogue is open to everyone; sign in to keep a basket of datasets and to apply for access.
      </p>
    </div>
  );
}
