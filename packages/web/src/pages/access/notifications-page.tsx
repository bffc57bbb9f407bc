import { useDocumentTitle } from '../../components/use-document-title.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { formatDateTime } from '../../components/access/clocks.ts';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { useNotifications } from '../../components/access/notifications-indicator.tsx';
import { applicationPath } from '../../components/access/access-paths.ts';

/** The signed-in user's reminders: deadlines coming up or passed, applications waiting for them. */
export function NotificationsPage() {
  useDocumentTitle('Reminders');
  const { user } = useSession();
  const notifications = useNotifications(user);
  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) return <SignInNeeded title="Reminders" path="/notifications" />;
  return (
    <div className="page narrow-wide">
      <h1>Reminders</h1>
      {notifications.error !== null && (
        <p className="alert alert-error" role="alert">
          {notifications.error}
        </p>
      )}
      {notifications.items.length === 0 ? (
        <div className="card empty">
          <p>No reminders.</p>
        </div>
      ) : (
        <ul className="notification-list">
          {notifications.items.map((n) => (
            <li key={n.id} className={n.read === true ? 'card notification' : 'card notification unread'}>
              <p>{n.message}</p>
              <p className="hint">
                <time dateTime={n.at}>{formatDateTime(n.at)}</time>
                {n.applicationId && (
                  <>
                    {' · '}
                    <Link href={applicationPath(n.applicationId)}>Open the application</Link>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
