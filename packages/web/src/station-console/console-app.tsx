import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useDocumentTitle } from '../components/use-document-title.ts';
import { ConsoleLink, consoleViews, navigateTo, useConsolePath } from './console-router.tsx';
import {
  clearStewardSession,
  readStewardSession,
  saveStewardSession,
  stationApi,
  type StationApi,
  type StewardSession,
} from './station-api.ts';
import { messageOf } from './use-station-data.ts';
import { ApprovalsView } from './views/approvals-view.tsx';
import { AuditView } from './views/audit-view.tsx';
import { DataQualityView } from './views/data-quality-view.tsx';
import { OptOutsView } from './views/opt-outs-view.tsx';
import { OverviewView } from './views/overview-view.tsx';
import { PolicyView } from './views/policy-view.tsx';

/** What every view gets: the API of the signed-in steward, and what to do when the token stops working. */
export interface ViewProps {
  readonly api: StationApi;
  readonly onUnauthorised: () => void;
}

function View({ path, ...props }: ViewProps & { readonly path: string }) {
  switch (path) {
    case '/steward/quality':
      return <DataQualityView {...props} />;
    case '/steward/approvals':
      return <ApprovalsView {...props} />;
    case '/steward/policy':
      return <PolicyView {...props} />;
    case '/steward/audit':
      return <AuditView {...props} />;
    case '/steward/opt-outs':
      return <OptOutsView {...props} />;
    default:
      return <OverviewView {...props} />;
  }
}

/** The station console: sign-in with the steward's token, then the views behind a header and navigation. */
export function ConsoleApp() {
  const path = useConsolePath();
  const [session, setSession] = useState<StewardSession | undefined>(readStewardSession);
  const [expired, setExpired] = useState(false);
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(path);
  const api = useMemo(() => (session === undefined ? undefined : stationApi(session)), [session]);

  const signOut = useCallback(() => {
    clearStewardSession();
    setSession(undefined);
  }, []);
  const onUnauthorised = useCallback(() => {
    clearStewardSession();
    setExpired(true);
    setSession(undefined);
  }, []);

  // After a navigation, move focus to the new view (as a page load would) so that screen readers announce it.
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    window.scrollTo(0, 0);
    main.current?.focus({ preventScroll: true });
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <ConsoleLink href="/steward" className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Polder
            <span className="brand-sub">station console</span>
          </ConsoleLink>
          {session && (
            <nav aria-label="Console">
              <ul>
                {consoleViews.map((view) => (
                  <li key={view.path}>
                    <ConsoleLink href={view.path} aria-current={path === view.path ? 'page' : undefined}>
                      {view.label}
                    </ConsoleLink>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {session && (
            <div className="account">
              <span className="user-name">
                <span className="visually-hidden">Signed in as </span>
                {session.name}
                <span className="user-org">data steward</span>
              </span>
              <button type="button" className="button button-small button-quiet" onClick={signOut}>
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {api === undefined ? (
          <SignIn
            expired={expired}
            onSignedIn={(signedIn) => {
              saveStewardSession(signedIn);
              setExpired(false);
              setSession(signedIn);
            }}
          />
        ) : (
          <View key={path} path={path} api={api} onUnauthorised={onUnauthorised} />
        )}
      </main>
      <footer className="site-footer">
        <p>
          This console runs on the station inside the hospital. Nothing on it leaves the hospital; every
          action is written to the station&apos;s audit log.
        </p>
        <p>
          <a href="/">Patient page</a> · <a href="/api/openapi.json">Steward API</a>
        </p>
      </footer>
    </>
  );
}

function SignIn({
  expired,
  onSignedIn,
}: {
  readonly expired: boolean;
  readonly onSignedIn: (session: StewardSession) => void;
}) {
  useDocumentTitle('Sign in to the station console');
  const [token, setToken] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = { token: token.trim(), name: name.trim() };
    if (candidate.name === '' || candidate.token === '') {
      setError('Enter your name and the steward token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      // The overview needs the token: if it answers, the token is right.
      await stationApi(candidate).overview();
      if (window.location.pathname === '/steward/' || !window.location.pathname.startsWith('/steward')) {
        navigateTo('/steward');
      }
      onSignedIn(candidate);
    } catch (failure) {
      setError(
        (failure as { status?: number }).status === 401
          ? 'That token is not the steward token of this station. It is in the file local-api-token in the station directory.'
          : messageOf(failure),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page narrow">
      <div className="card sign-in-card">
        <h1>Sign in to the station console</h1>
        {expired && (
          <p className="alert alert-warning" role="status">
            The station no longer accepts your token; sign in again.
          </p>
        )}
        <form className="form" onSubmit={(event) => void submit(event)} noValidate>
          <div className="field">
            <label htmlFor="steward-name">Your name</label>
            <p className="hint" id="steward-name-hint">
              Written to the audit log with everything you do here.
            </p>
            <input
              id="steward-name"
              type="text"
              autoComplete="name"
              aria-describedby="steward-name-hint"
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="steward-token">Steward token</label>
            <p className="hint" id="steward-token-hint">
              In the file <code>local-api-token</code> in the station directory. Kept in this tab only.
            </p>
            <input
              id="steward-token"
              type="password"
              autoComplete="off"
              aria-describedby="steward-token-hint"
              value={token}
              onChange={(event) => setToken(event.target.value)}
            />
          </div>
          {error && (
            <p className="alert alert-error" role="alert">
              {error}
            </p>
          )}
          <div className="button-row">
            <button type="submit" className="button" disabled={busy}>
              Sign in
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
