import type { MatrixContext, MatrixRole, MatrixRow } from '../authorization-matrix.ts';
import { everyone, only, signedIn } from '../authorization-matrix.ts';
import { uuid7 } from '../db/uuid7.ts';
import { makeApplication, publishedDataset, type FixtureStage } from './_access-fixtures.ts';

/** Anonymous 401; the listed roles `status`; every other role 404 (the object is not theirs to see). */
function objectLevel(allowed: Partial<Record<MatrixRole, number>>): Record<MatrixRole, number> {
  return { ...everyone(404), anonymous: 401, ...allowed };
}

/**
 * An application for the requesting role: the matrix's researcher gets their own; for the others it
 * belongs to someone else, with the matrix's reviewer invited (so invited reviewers pass, others do not).
 */
async function applicationFor(
  { hub, role, userId }: MatrixContext,
  stage: FixtureStage,
  researcherStage: FixtureStage = stage,
): Promise<{ id: string }> {
  if (role === 'researcher' && userId !== null) {
    return makeApplication(hub, { stage: researcherStage, applicantId: userId });
  }
  return makeApplication(hub, {
    stage,
    ...(role === 'access_body_reviewer' && userId !== null ? { reviewerId: userId } : {}),
  });
}

/** The access routes' rows of the authorisation matrix (spread into `authorizationMatrix`). */
export function accessMatrixRows(): MatrixRow[] {
  const accessBody = { access_body_handler: 200, access_body_reviewer: 200, access_body_decider: 200 };
  return [
    {
      method: 'POST',
      route: '/api/applications',
      expect: only(['researcher'], 201),
      request: async ({ hub, unique }) => ({
        body: {
          kind: 'permit',
          title: `Matrix application ${unique}`,
          datasetIds: [await publishedDataset(hub)],
        },
      }),
    },
    { method: 'GET', route: '/api/applications', expect: signedIn(200) },
    // A researcher sees only their own; the access body received ones; a reviewer only invited ones.
    {
      method: 'GET',
      route: '/api/applications/:id',
      expect: objectLevel({ researcher: 200, ...accessBody }),
      request: async (context) => ({
        url: `/api/applications/${(await applicationFor(context, 'submitted')).id}`,
      }),
    },
    // Only the applicant edits the form; others do not even see a draft.
    {
      method: 'PUT',
      route: '/api/applications/:id/form',
      expect: objectLevel({ researcher: 200 }),
      request: async (context) => ({
        url: `/api/applications/${(await applicationFor(context, 'draft')).id}/form`,
        body: { publicSummary: 'A changed summary of the study.' },
      }),
    },
    {
      method: 'POST',
      route: '/api/applications/:id/attachments',
      expect: objectLevel({ researcher: 201 }),
      request: async (context) => ({
        url: `/api/applications/${(await applicationFor(context, 'draft')).id}/attachments`,
        body: {
          filename: 'ethics.txt',
          mediaType: 'text/plain',
          contentBase64: Buffer.from('approved').toString('base64'),
        },
      }),
    },
    {
      method: 'GET',
      route: '/api/applications/:id/attachments/:attachmentId',
      expect: objectLevel({ researcher: 200, ...accessBody }),
      request: async (context) => {
        const { id } = await applicationFor(context, 'submitted');
        const file = await context.hub.db
          .selectFrom('application_attachments')
          .select('id')
          .where('application_id', '=', id)
          .executeTakeFirst();
        if (file !== undefined) return { url: `/api/applications/${id}/attachments/${file.id}` };
        const row = await context.hub.db
          .insertInto('application_attachments')
          .values({
            id: uuid7(),
            application_id: id,
            filename: 'a.txt',
            media_type: 'text/plain',
            size: 1,
            sha256: '',
            content: Buffer.from('a'),
            uploaded_by: id,
            uploaded_at: new Date(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return { url: `/api/applications/${id}/attachments/${row.id}` };
      },
    },
    // A comment: the applicant on their own draft; the access body (invited reviewers) on a received one.
    {
      method: 'POST',
      route: '/api/applications/:id/commands',
      expect: objectLevel({ researcher: 200, ...accessBody }),
      request: async (context) => ({
        url: `/api/applications/${(await applicationFor(context, 'submitted', 'draft')).id}/commands`,
        body: { command: 'comment', comment: 'A question about the cohort.' },
      }),
    },
    {
      method: 'GET',
      route: '/api/access/queue',
      expect: only(['access_body_handler', 'access_body_reviewer', 'access_body_decider'], 200),
    },
    { method: 'GET', route: '/api/notifications', expect: signedIn(200) },
    // The permit's named users (the researcher's own application) and the access body.
    {
      method: 'GET',
      route: '/api/permits/:id',
      expect: objectLevel({ researcher: 200, ...accessBody }),
      request: async (context) => {
        const { id } = await applicationFor(context, 'approved');
        const permit = await context.hub.db
          .selectFrom('permits')
          .select('id')
          .where('application_id', '=', id)
          .executeTakeFirstOrThrow();
        return { url: `/api/permits/${permit.id}` };
      },
    },
    { method: 'GET', route: '/api/register', expect: everyone(200) },
    { method: 'GET', route: '/api/register.csv', expect: everyone(200) },
    {
      method: 'POST',
      route: '/api/webhooks',
      expect: only(['admin'], 201),
      request: () => ({ body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['approved'] } }),
    },
    { method: 'GET', route: '/api/webhooks', expect: only(['admin'], 200) },
    {
      method: 'DELETE',
      route: '/api/webhooks/:id',
      expect: only(['admin'], 204),
      request: async ({ hub }) => {
        const id = uuid7();
        await hub.db
          .insertInto('access_webhooks')
          .values({
            id,
            url: 'http://127.0.0.1:9/x',
            event_types: ['*'],
            secret: 'matrix',
            created_by: id,
            created_at: new Date(),
          })
          .execute();
        return { url: `/api/webhooks/${id}` };
      },
    },
  ];
}
