import { useEffect, useState } from 'react';
import type { User } from '../../api-client.ts';
import { Link, useLocation } from '../../router.tsx';
import { accessApi, type Notification } from './access-api.ts';
import { messageOf } from './use-resource.ts';

/** How often the header asks for new notifications. */
const pollMs = 60_000;

/*
 * The hub keeps no read flag on notifications; the browser remembers when the user last opened the
 * reminders page, and what came after that counts as new.
 */
const seenKey = (userId: string) => `polder:notifications-seen:${userId}`;

function lastSeen(userId: string): string {
  try {
    return window.localStorage.getItem(seenKey(userId)) ?? '';
  } catch {
    return '';
  }
}

/** Remembers that the user has seen their notifications up to now. */
export function markNotificationsSeen(userId: string, at: string): void {
  try {
    window.localStorage.setItem(seenKey(userId), at);
  } catch {
    // Storage may be off (private mode): the count then stays, which is harmless.
  }
}

/** The signed-in user's notifications, asked again on every navigation and every minute. */
export function useNotifications(user: User | null | undefined): {
  readonly items: readonly Notification[];
  readonly unseen: number;
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
  const seen = userId === undefined ? '' : lastSeen(userId);
  const unseen = items.filter((n) => n.createdAt > seen).length;
  return { items, unseen, error };
}

/** The header's link to the reminders, with the number of new ones. */
export function NotificationsIndicator({
  user,
  current,
}: {
  readonly user: User;
  readonly current: boolean;
}) {
  const { unseen } = useNotifications(user);
  return (
    <Link href="/notifications" aria-current={current ? 'page' : undefined} className="notifications-link">
      Reminders
      {unseen > 0 && !current && (
        <span className="count-badge count-badge-alert">
          {unseen}
          <span className="visually-hidden"> new</span>
        </span>
      )}
    </Link>
  );
}
