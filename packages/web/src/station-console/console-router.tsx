import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/*
 * The console's views are paths under /steward, so that a view can be bookmarked and the back button
 * works; the station answers every such path with the console's page.
 */

/** The console's views and their paths. */
export const consoleViews = [
  { path: '/steward', label: 'Overview' },
  { path: '/steward/quality', label: 'Data quality' },
  { path: '/steward/approvals', label: 'Approvals' },
  { path: '/steward/policy', label: 'Policy' },
  { path: '/steward/audit', label: 'Audit log' },
  { path: '/steward/opt-outs', label: 'Opt-outs' },
] as const;

/** A view's path. */
export type ConsolePath = (typeof consoleViews)[number]['path'];

const changed = 'polder-console-navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(changed, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(changed, onChange);
  };
}

/** The current path, without a trailing slash. */
export function useConsolePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname.replace(/(.)\/+$/, '$1'));
}

/** Goes to a view without reloading the page. */
export function navigateTo(path: string): void {
  if (window.location.pathname === path) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(changed));
}

/** A link to a view; a plain click navigates in place, a modified one (new tab) is left to the browser. */
export function ConsoleLink({
  href,
  onClick,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    navigateTo(href);
  };
  return <a href={href} onClick={follow} {...rest} />;
}
