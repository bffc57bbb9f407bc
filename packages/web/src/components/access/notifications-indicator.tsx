import { useEffect, useState } from 'react';
import type { User } from '../../api-client.ts';
import { Link, useLocation } from '../../router.tsx';
import { accessApi, type Notification } from './access-api.ts';
import { messageOf } from './use-resource.ts';

/** How often the header asks for new reminders. */
const pollMs = 60_000;

/** The signed-in user's in-app reminders, asked again on every navigation and every minute. */
export function useNotifications(user: User | null | undefined): {
  readonly items: readonly Notification[];
  readonly error: string | null;
} {
  const { path } = useLocation();
  const [items, setItems] = useState<readonly Notification[]>([]);
  const [error, setError] = useState<string | null>(null);
  const userId = user?.id;
  useEffect(() => {
    if (userId === undefined) {
      setItems([]);
      return;
    }
    let live = true;
    const load = () =>
      accessApi.notifications().then(
        (answer) => {
          if (!live) return;
          setItems(answer.items);
          setError(null);
        },
        (caught: unknown) => live && setError(messageOf(caught, 'Cannot load the reminders')),
      );
    void load();
    const timer = window.setInterval(() => void load(), pollMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [userId, path]);
  return { items, error };
}

/** The header's reminders link, with the number of unread reminders. */
export function NotificationsIndicator({
  user,
  current,
}: {
  readonly user: User;
  readonly current: boolean;
}) {
  const { items } = useNotifications(user);
  const unread = items.filter((n) => n.read !== true).length;
  return (
    <Link href="/notifications" aria-current={current ? 'page' : undefined} className="notifications-link">
      Reminders
      {unread > 0 && (
        <span className="count-badge count-badge-alert">
          {unread}
          <span className="visually-hidden"> unread</span>
        </span>
      )}
    </Link>
  );
}
