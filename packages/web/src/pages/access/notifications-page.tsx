import { useEffect } from 'react';
import { useDocumentTitle } from '../../components/use-document-title.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { formatDateTime } from '../../components/access/clocks.ts';
import { SignInNeeded } from '../../components/access/sign-in-needed.tsx';
import { markNotificationsSeen, useNotifications } from '../../components/access/notifications-indicator.tsx';
import { applicationPath } from '../../components/access/access-paths.ts';

/** The signed-in user's reminders: deadlines coming up or passed, applications waiting for them. */
export function NotificationsPage() {
  useDocumentTitle('Reminders');
  const { user } = useSession();
  const notifications = useNotifications(user);
  const newest = notifications.items[0]?.createdAt;
  // What is shown here counts as seen; the header's count starts again from the newest.
  useEffect(() => {
    if (user && newest !== undefined) markNotificationsSeen(user.id, newest);
  }, [user, newest]);
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
            <li key={n.id} className="card notification">
              <p>{n.message}</p>
              <p className="hint">
                <time dateTime={n.createdAt}>{formatDateTime(n.createdAt)}</time>
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
