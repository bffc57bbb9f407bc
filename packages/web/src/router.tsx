import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/*
 * A small history router: the app has four pages, so it keeps the location in the History API and
 * listens for changes, rather than bringing in a routing library.
 */

const changeEvent = 'polder:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(changeEvent, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(changeEvent, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current location: path and query parameters. Re-renders on navigation. */
export function useLocation(): { readonly path: string; readonly query: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, snapshot, () => '/');
  const url = new URL(current, 'http://app.invalid');
  return { path: url.pathname, query: url.searchParams };
}

/** Goes to `to` (a path with optional query) without reloading; `replace` keeps the history entry. */
export function navigate(to: string, options: { readonly replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace === true) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(changeEvent));
}

/** An `<a>` that navigates inside the app on a plain click and behaves as a link otherwise. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { readonly href: string }) {
  const { onClick, ...rest } = props;
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0;
    if (event.defaultPrevented || modified || props.target !== undefined) return;
    event.preventDefault();
    navigate(props.href);
  };
  return <a {...rest} onClick={handleClick} />;
}
