import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { NotificationsIndicator } from './notifications-indicator.tsx';

const accessBodyRoles = ['access_body_handler', 'access_body_reviewer', 'access_body_decider'];

/**
 * The access procedure's entries in the main navigation, as list items: the applicant's applications, the
 * access body's queue, reminders for whoever is signed in, and the public register for everyone.
 */
export function AccessNavItems({ path }: { readonly path: string }) {
  const { user } = useSession();
  const current = (href: string) =>
    path === href || path.startsWith(`${href}/`) ? ('page' as const) : undefined;
  const accessBody = user?.roles.some((r) => accessBodyRoles.includes(r)) === true;
  return (
    <>
      {user && user.roles.includes('researcher') && (
        <li>
          <Link href="/applications" aria-current={current('/applications')}>
            My applications
          </Link>
        </li>
      )}
      {accessBody && (
        <li>
          <Link href="/access/queue" aria-current={current('/access/queue')}>
            Review queue
          </Link>
        </li>
      )}
      {user && (
        <li>
          <NotificationsIndicator user={user} current={path === '/notifications'} />
        </li>
      )}
      <li>
        <Link href="/register" aria-current={current('/register')}>
          Register
        </Link>
      </li>
    </>
  );
}
