import { lazy, Suspense, useEffect, useRef } from 'react';
import { Link, navigate, useLocation } from './router.tsx';
import { useSession } from './session.tsx';
import { BasketPage } from './pages/basket-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { SearchPage } from './pages/search-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { AccessNavItems } from './components/access/access-nav.tsx';
import { isAccessPath } from './components/access/access-paths.ts';
import { isProjectPath } from './components/analysis/project-paths.ts';
import { ProjectsNavItem } from './components/analysis/projects-nav.tsx';

const datasetPath = /^\/datasets\/([^/]+)\/?$/;

// The dataset page brings Observable Plot (and d3): loaded when first needed, not with the search page.
const DatasetPage = lazy(() => import('./pages/dataset-page.tsx').then((m) => ({ default: m.DatasetPage })));
const ProjectsPage = lazy(() =>
  import('./pages/projects/projects-page.tsx').then((m) => ({ default: m.ProjectsPage })),
);
const AccessPage = lazy(() =>
  import('./pages/access/access-page.tsx').then((m) => ({ default: m.AccessPage })),
);

/** The page for a path. */
function Page({ path }: { readonly path: string }) {
  if (path === '/' || path === '/catalogue') return <SearchPage />;
  if (path === '/sign-in') return <SignInPage />;
  if (path === '/basket') return <BasketPage />;
  if (isAccessPath(path)) return <AccessPage path={path} />;
  if (isProjectPath(path)) return <ProjectsPage path={path} />;
  const dataset = datasetPath.exec(path);
  if (dataset?.[1] !== undefined) return <DatasetPage id={decodeURIComponent(dataset[1])} />;
  return <NotFoundPage />;
}

/** The app's frame: skip link, header with navigation and the signed-in user, the page, a footer. */
export function App() {
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(path);

  // After a navigation, move focus to the new page (as a page load would) so that screen readers announce it.
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
      <Header path={path} />
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<p className="page muted">Loading…</p>}>
          <Page path={path} />
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>
          Polder — health datasets of Amsterdam hospitals for secondary use under the European Health Data
          Space. Every figure shown has passed the hospital&apos;s disclosure control.
        </p>
        <p>
          <a href="/catalogue" type="text/turtle">
            Catalogue as HealthDCAT-AP
          </a>{' '}
          · <a href="/api/docs">API</a>
        </p>
      </footer>
    </>
  );
}

function Header({ path }: { readonly path: string }) {
  const { user, basket, signOut } = useSession();
  const current = (href: string) => (path === href ? ('page' as const) : undefined);
  return (
    <header className="site-header">
      <div className="header-inner">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Polder
          <span className="brand-sub">health data catalogue</span>
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/" aria-current={current('/')}>
                Catalogue
              </Link>
            </li>
            {user && (
              <li>
                <Link href="/basket" aria-current={current('/basket')}>
                  Basket <span className="count-badge">{basket.length}</span>
                  <span className="visually-hidden"> datasets</span>
                </Link>
              </li>
            )}
            <ProjectsNavItem path={path} />
            <AccessNavItems path={path} />
          </ul>
        </nav>
        <div className="account">
          {user === undefined ? null : user === null ? (
            <Link href="/sign-in" className="button button-small" aria-current={current('/sign-in')}>
              Sign in
            </Link>
          ) : (
            <>
              <span className="user-name">
                <span className="visually-hidden">Signed in as </span>
                {user.name}
                <span className="user-org">{user.organisation.name}</span>
              </span>
              <button
                type="button"
                className="button button-small button-quiet"
                onClick={() => void signOut().then(() => navigate('/'))}
              >
                Sign out
              </button>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
