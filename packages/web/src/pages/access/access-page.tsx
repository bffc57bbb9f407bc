import { ApplicationPage } from './application-page.tsx';
import { applicationIdOf } from '../../components/access/access-paths.ts';
import { MyApplicationsPage } from './my-applications-page.tsx';
import { NotificationsPage } from './notifications-page.tsx';
import { QueuePage } from './queue-page.tsx';
import { RegisterPage } from './register-page.tsx';

/** The access page for `path` (one for which `isAccessPath` holds). */
export function AccessPage({ path }: { readonly path: string }) {
  const clean = path.replace(/(.)\/$/, '$1');
  if (clean === '/applications') return <MyApplicationsPage />;
  if (clean === '/access/queue') return <QueuePage />;
  if (clean === '/register') return <RegisterPage />;
  if (clean === '/notifications') return <NotificationsPage />;
  const id = applicationIdOf(path);
  return id === undefined ? null : <ApplicationPage id={id} />;
}
