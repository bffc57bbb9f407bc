import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';

/** The projects' entry in the main navigation (a list item), for researchers. */
export function ProjectsNavItem({ path }: { readonly path: string }) {
  const { user } = useSession();
  if (!user || !user.roles.includes('researcher')) return null;
  const current = path === '/projects' || path.startsWith('/projects/') ? ('page' as const) : undefined;
  return (
    <li>
      <Link href="/projects" aria-current={current}>
        Projects
      </Link>
    </li>
  );
}
