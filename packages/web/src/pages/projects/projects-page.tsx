import { useSession } from '../../session.tsx';
import { Link } from '../../router.tsx';
import { projectRouteOf } from '../../components/analysis/project-paths.ts';
import { AnalysisPage } from './analysis-page.tsx';
import { CohortPage } from './cohort-page.tsx';
import { ProjectListPage } from './project-list-page.tsx';
import { ProjectPage } from './project-page.tsx';
import { RunPage } from './run-page.tsx';

/** The project page for `path` (one for which `isProjectPath` holds); researchers only. */
export function ProjectsPage({ path }: { readonly path: string }) {
  const { user } = useSession();
  const route = projectRouteOf(path);
  if (user === undefined) return <div className="page" aria-busy="true" />;
  if (user === null) {
    return (
      <div className="page narrow">
        <h1>Projects</h1>
        <p>
          <Link href={`/sign-in?next=${encodeURIComponent(path)}`}>Sign in</Link> to see your projects.
        </p>
      </div>
    );
  }
  if (!user.roles.includes('researcher')) {
    return (
      <div className="page narrow-wide">
        <h1>Projects</h1>
        <p>Projects are for researchers: ask your organisation&apos;s admin for the researcher role.</p>
      </div>
    );
  }
  switch (route?.page) {
    case 'list':
      return <ProjectListPage />;
    case 'project':
      return <ProjectPage projectId={route.projectId} />;
    case 'cohort':
      return <CohortPage projectId={route.projectId} definitionId={route.definitionId} />;
    case 'analysis':
      return <AnalysisPage projectId={route.projectId} />;
    case 'run':
      return <RunPage projectId={route.projectId} runId={route.runId} />;
    default:
      return null;
  }
}
