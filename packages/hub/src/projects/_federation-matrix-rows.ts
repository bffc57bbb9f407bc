import { signEnvelope, stationSessionHeader, type TaskOffer, type TaskResult } from '@polder/protocol';
import type { MatrixContext, MatrixRole, MatrixRow } from '../authorization-matrix.ts';
import { everyone, only, signedIn } from '../authorization-matrix.ts';
import type { TestHub } from '../_test-hub.ts';
import { uuid7 } from '../db/uuid7.ts';
import { loadOrCreateHubSigningKey } from '../stations/_hub-signing-key.ts';
import {
  enrolTestStation,
  insertTestPermit,
  insertTestProject,
  insertTestRun,
  testStationSession,
} from './_test-federation.ts';

const someUuid = '00000000-0000-7000-8000-000000000000';

/** Anonymous (a station with a session token) gets `status`; every signed-in role 403. */
function stationsOnly(status: number): Record<MatrixRole, number> {
  return { ...everyone(403), anonymous: status };
}

const researchers = (status: number) => only(['researcher'], status);

/** A project the acting researcher owns, under a permit naming them for one enrolled station. */
async function projectOf(context: MatrixContext) {
  const { hub, userId, role, unique } = context;
  if (role !== 'researcher' || userId === null) {
    return { projectId: someUuid, permitId: someUuid, stationId: someUuid };
  }
  const station = await enrolTestStation(hub, `Matrix station ${unique}`);
  const permit = await insertTestPermit(hub, { namedUsers: [userId], stationIds: [station.id] });
  return {
    projectId: await insertTestProject(hub, userId, permit.id),
    permitId: permit.id,
    stationId: station.id,
  };
}

/** A completed run in the acting researcher's project: its URL. */
async function completedRunUrl(context: MatrixContext, suffix = ''): Promise<string> {
  const { projectId, permitId, stationId } = await projectOf(context);
  if (context.role !== 'researcher' || context.userId === null) {
    return `/api/projects/${someUuid}/runs/${someUuid}${suffix}`;
  }
  const runId = await insertTestRun(context.hub, {
    projectId,
    permitId,
    requestedBy: context.userId,
    stationIds: [stationId],
  });
  return `/api/projects/${projectId}/runs/${runId}${suffix}`;
}

/** An enrolled station with a live session and a pending task of a running run. */
async function stationWithTask(hub: TestHub, unique: string) {
  const station = await enrolTestStation(hub, `Tasked ${unique}`);
  const token = await testStationSession(hub, station);
  const owner = await hub.createUser();
  const permit = await insertTestPermit(hub, { namedUsers: [owner], stationIds: [station.id] });
  const projectId = await insertTestProject(hub, owner, permit.id);
  const runId = await insertTestRun(hub, {
    projectId,
    permitId: permit.id,
    requestedBy: owner,
    status: 'running',
    stationIds: [station.id],
  });
  const now = hub.context.now();
  const taskId = uuid7(now);
  const hubKey = await loadOrCreateHubSigningKey(hub.db, { secret: hub.config.signingKeySecret });
  const offer: TaskOffer = {
    type: 'polder.task.v1',
    taskId,
    runId,
    projectId,
    stationId: station.id,
    permit: permit.token,
    algorithm: { name: 'count', version: '1.0.0' },
    cohort: definitionBody.definition,
    parameters: {},
    round: 0,
    state: null,
    requestedBy: { userId: owner, name: 'Test User' },
    createdAt: now.toISOString(),
  };
  await hub.db
    .insertInto('tasks')
    .values({
      id: taskId,
      run_id: runId,
      station_id: station.id,
      round: 0,
      offer: JSON.stringify(signEnvelope(offer, hubKey)),
      status: 'pending',
      result: null,
      result_digest: null,
      created_at: now,
      updated_at: now,
      answered_at: null,
    })
    .execute();
  return { station, token, taskId };
}

const definitionBody = {
  kind: 'cohort',
  name: 'Adults with sepsis',
  definition: { name: 'Adults with sepsis', entry: { condition: { concept: 132797 } } },
};

/** The federation routes' rows of the authorisation matrix (spread into `authorizationMatrix`). */
export function federationMatrixRows(): MatrixRow[] {
  return [
    { method: 'GET', route: '/api/algorithms', expect: signedIn(200) },

    // Station protocol: a station's session token, never a user's credentials.
    {
      method: 'GET',
      route: '/api/station-link',
      // A plain HTTP request with a valid token is told to upgrade (the WebSocket itself: projects tests).
      expect: stationsOnly(426),
      request: async ({ hub, unique }) => {
        const station = await enrolTestStation(hub, `Linked ${unique}`);
        return { headers: { [stationSessionHeader]: await testStationSession(hub, station) } };
      },
    },
    {
      method: 'GET',
      route: '/api/station-tasks',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => ({
        headers: { [stationSessionHeader]: (await stationWithTask(hub, unique)).token },
      }),
    },
    {
      method: 'GET',
      route: '/api/station-permit-revocations',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => {
        const station = await enrolTestStation(hub, `Revocations ${unique}`);
        return { headers: { [stationSessionHeader]: await testStationSession(hub, station) } };
      },
    },
    {
      method: 'POST',
      route: '/api/station-tasks/:taskId/result',
      expect: stationsOnly(200),
      request: async ({ hub, unique }) => {
        const { station, token, taskId } = await stationWithTask(hub, unique);
        const result: TaskResult = {
          type: 'polder.task-result.v1',
          taskId,
          stationId: station.id,
          status: 'pending-approval',
          completedAt: hub.context.now().toISOString(),
          durationMs: 1,
        };
        return {
          url: `/api/station-tasks/${taskId}/result`,
          headers: { [stationSessionHeader]: token },
          body: signEnvelope(result, station.key),
        };
      },
    },

    // Projects: researchers, and within them only members.
    {
      method: 'POST',
      route: '/api/projects',
      expect: researchers(201),
      request: () => ({ body: { title: 'Matrix project', description: 'Sepsis outcomes' } }),
    },
    { method: 'GET', route: '/api/projects', expect: researchers(200) },
    {
      method: 'GET',
      route: '/api/projects/:id',
      expect: researchers(200),
      request: async (context) => ({ url: `/api/projects/${(await projectOf(context)).projectId}` }),
    },
    {
      method: 'PATCH',
      route: '/api/projects/:id',
      expect: researchers(200),
      request: async (context) => ({
        url: `/api/projects/${(await projectOf(context)).projectId}`,
        body: { title: 'Renamed' },
      }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/members',
      expect: researchers(200),
      request: async (context) => ({ url: `/api/projects/${(await projectOf(context)).projectId}/members` }),
    },
    {
      method: 'POST',
      route: '/api/projects/:id/members',
      expect: researchers(201),
      request: async (context) => {
        const email = `member-${context.unique}@test.polder`;
        await context.hub.createUser({ email, roles: ['researcher'] });
        return { url: `/api/projects/${(await projectOf(context)).projectId}/members`, body: { email } };
      },
    },
    {
      method: 'DELETE',
      route: '/api/projects/:id/members/:userId',
      expect: researchers(204),
      request: async (context) => {
        const { projectId } = await projectOf(context);
        if (context.role !== 'researcher') return { url: `/api/projects/${projectId}/members/${someUuid}` };
        const member = await context.hub.createUser();
        await context.hub.db
          .insertInto('project_members')
          .values({
            project_id: projectId,
            user_id: member,
            role: 'member',
            added_by: null,
            added_at: new Date(),
          })
          .execute();
        return { url: `/api/projects/${projectId}/members/${member}` };
      },
    },
    {
      method: 'GET',
      route: '/api/projects/:id/definitions',
      expect: researchers(200),
      request: async (context) => ({
        url: `/api/projects/${(await projectOf(context)).projectId}/definitions`,
      }),
    },
    {
      method: 'POST',
      route: '/api/projects/:id/definitions',
      expect: researchers(201),
      request: async (context) => ({
        url: `/api/projects/${(await projectOf(context)).projectId}/definitions`,
        body: definitionBody,
      }),
    },
    {
      method: 'PUT',
      route: '/api/projects/:id/definitions/:definitionId',
      expect: researchers(200),
      request: async (context) => ({
        url: await savedDefinitionUrl(context),
        body: { definition: definitionBody.definition },
      }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/definitions/:definitionId',
      expect: researchers(200),
      request: async (context) => ({ url: await savedDefinitionUrl(context) }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/runs',
      expect: researchers(200),
      request: async (context) => ({ url: `/api/projects/${(await projectOf(context)).projectId}/runs` }),
    },
    {
      method: 'POST',
      route: '/api/projects/:id/runs',
      expect: researchers(202),
      request: async (context) => ({
        url: `/api/projects/${(await projectOf(context)).projectId}/runs`,
        body: {
          algorithm: { name: 'count', version: '1.0.0' },
          parameters: {},
          cohort: { definition: definitionBody.definition },
        },
      }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/runs/:runId',
      expect: researchers(200),
      request: async (context) => ({ url: await completedRunUrl(context) }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/runs/:runId/events',
      expect: researchers(200),
      request: async (context) => ({ url: await completedRunUrl(context, '/events') }),
    },
    {
      method: 'POST',
      route: '/api/projects/:id/runs/:runId/rerun',
      expect: researchers(202),
      request: async (context) => ({ url: await completedRunUrl(context, '/rerun') }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/runs/:runId/result.json',
      expect: researchers(200),
      request: async (context) => ({ url: await completedRunUrl(context, '/result.json') }),
    },
    {
      method: 'GET',
      route: '/api/projects/:id/runs/:runId/result.csv',
      expect: researchers(200),
      request: async (context) => ({ url: await completedRunUrl(context, '/result.csv') }),
    },
  ];
}

/** A saved cohort definition in the acting researcher's project: its URL. */
async function savedDefinitionUrl(context: MatrixContext): Promise<string> {
  const { projectId } = await projectOf(context);
  if (context.role !== 'researcher' || context.userId === null) {
    return `/api/projects/${projectId}/definitions/${someUuid}`;
  }
  const now = context.hub.context.now();
  const id = uuid7(now);
  await context.hub.db
    .insertInto('project_definitions')
    .values({
      id,
      version: 1,
      project_id: projectId,
      kind: 'cohort',
      name: 'Saved',
      definition: JSON.stringify(definitionBody.definition),
      created_by: context.userId,
      created_at: now,
    })
    .execute();
  return `/api/projects/${projectId}/definitions/${id}`;
}
