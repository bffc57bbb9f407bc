import { Link } from '../../router.tsx';

/** What a page that needs a signed-in user shows to someone who is not. */
export function SignInNeeded({ title, path }: { readonly title: string; readonly path: string }) {
  return (
    <div className="page narrow">
      <h1>{title}</h1>
      <p>
        <Link href={`/sign-in?next=${encodeURIComponent(path)}`}>Sign in</Link> to see this page.
      </p>
    </div>
  );
}
