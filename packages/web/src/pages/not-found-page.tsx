import { useDocumentTitle } from '../components/use-document-title.ts';
import { Link } from '../router.tsx';

/** The page for a path the app does not know. */
export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <div className="page narrow">
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <Link href="/">Search the catalogue</Link>
      </p>
    </div>
  );
}
