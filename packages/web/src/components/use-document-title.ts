import { useEffect } from 'react';

/** Sets the browser tab's title to '`title` — Polder'. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} — Polder`;
  }, [title]);
}
