import { verifyPermit } from '@polder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { completeForm, makeApplication, publishedDataset } from './_access-fixtures.ts';
import { runCommand } from './access-service.ts';
import { rebuildProjection } from './application-store.ts';

let hub: TestHub;
let users: Record<'researcher' | 'other' | 'handler' | 'reviewer' | 'reviewer2' | 'decider', string>;
const cookies = new Map<string, string>();

beforeAll(async () => {
  hub = await createTestHub({ accessClockIntervalMs: 0 });
  users = {
    researcher: await hub.createUser({ roles: ['researcher'] }),
    other: await hub.createUser({ roles: ['researcher'] }),
    handler: await hub.createUser({ roles: ['access_body_handler'] }),
    reviewer: await hub.createUser({ roles: ['access_body_reviewer'] }),
    reviewer2: await hub.createUser({ roles: ['access_body_reviewer'] }),
    decider: await hub.createUser({ roles: ['access_body_decider'] }),
  };
  for (const [name, id] of Object.entries(users)) cookies.set(name, await hub.sessionCookie(id));
});
afterAll(() => hub.close());

async function call(
  as: keyof typeof users | null,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
) {
  const response = await hub.app.inject({
    method,
    url,
    headers: as === null ? {} : { cookie: cookies.get(as) ?? '' },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return {
    status: response.statusCode,
    body: String(response.headers['content-type']).startsWith('application/json')
      ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are read loosely; their schemas are the API's
        (response.json() as Record<string, any>)
      : null,
    raw: response,
  };
}

const command = (as: keyof typeof users, id: string, body: Record<string, unknown>) =>
  call(as, 'POST', `/api/applications/${id}/commands`, body);

describe('access routes', () => {
  it('apply from the basket → returned for changes → resubmit → review → approve: a signed permit, in the register', async () => {
    const datasetId = await publishedDataset(hub, 'Flow station');
    await call('researcher', 'POST', '/api/basket', { datasetId });
    const created = await call('researcher', 'POST', '/api/applications', {
      kind: 'permit',
      title: 'Readmissions',
    });
    expect(created.status).toBe(201);
    const id = created.body?.['id'] as string;
    expect(created.body).toMatchObject({
      state: 'draft',
      datasets: [{ id: datasetId }],
      completeness: { complete: false },
    });

    // Others do not see a draft, not even the access body.
    expect((await call('other', 'GET', `/api/applications/${id}`)).status).toBe(404);
    expect((await call('handler', 'GET', `/api/applications/${id}`)).status).toBe(404);

    const saved = await call(
      'researcher',
      'PUT',
      `/api/applications/${id}/form`,
      completeForm([datasetId], users.researcher),
    );
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ completeness: { complete: true } });
    expect(saved.body?.['duoChecks']).toEqual([
      expect.objectContaining({ datasetId, code: 'DUO:0000006', outcome: 'ok' }),
      expect.objectContaining({ datasetId, code: 'DUO:0000046', outcome: 'ok' }),
    ]);
    expect(saved.body?.['availableCommands']).toEqual(expect.arrayContaining(['submit', 'close', 'comment']));

    expect((await command('researcher', id, { command: 'submit' })).body).toMatchObject({
      state: 'submitted',
    });
    const register = await call(null, 'GET', '/api/register');
    expect(register.body?.['applications']).toContainEqual(
      expect.objectContaining({ id, state: 'submitted', publicSummary: expect.stringContaining('diabetes') }),
    );

    // Return needs a comment; then the applicant hears of it.
    expect((await command('handler', id, { command: 'return' })).status).toBe(400);
    expect(
      (await command('handler', id, { command: 'return', comment: 'Name the safeguards' })).body,
    ).toMatchObject({
      state: 'returned',
      deadlines: { dueKind: 'completion', daysLeft: 28 },
    });
    const notes = await call('researcher', 'GET', '/api/notifications');
    expect(notes.body?.['items'][0]).toMatchObject({ applicationId: id, kind: 'returned' });
    expect((await command('researcher', id, { command: 'submit', comment: 'Safeguards added' })).status).toBe(
      200,
    );

    expect((await command('handler', id, { command: 'mark-complete' })).body).toMatchObject({
      deadlines: { dueKind: 'decision', extended: false },
    });
    expect(
      (await command('handler', id, { command: 'invite-reviewer', reviewerId: users.reviewer })).status,
    ).toBe(200);
    expect(
      (await command('handler', id, { command: 'invite-reviewer', reviewerId: users.other })).status,
    ).toBe(400);
    // A reviewer sees only applications they were invited to.
    expect((await call('reviewer2', 'GET', `/api/applications/${id}`)).status).toBe(404);
    expect(
      (await command('reviewer2', id, { command: 'give-opinion', opinion: 'approve', comment: 'x' })).status,
    ).toBe(404);
    const opinion = await command('reviewer', id, {
      command: 'give-opinion',
      opinion: 'approve',
      comment: 'Proportionate',
    });
    expect(opinion.body?.['reviewers']).toEqual([
      expect.objectContaining({ id: users.reviewer, opinion: 'approve' }),
    ]);

    // Wrong role: 403; the applicant cannot approve their own application.
    expect(
      (await command('researcher', id, { command: 'approve', permit: { months: 12, algorithms: ['count'] } }))
        .status,
    ).toBe(403);
    const approved = await command('decider', id, {
      command: 'approve',
      comment: 'Necessary and proportionate',
      permit: { months: 12, algorithms: ['count', 'glm'], disclosure: { minCount: 10 } },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      permit: { status: 'active' },
      decision: { outcome: 'approved' },
    });
    expect(approved.body?.['events'].map((e: { type: string }) => e.type)).toEqual([
      'created',
      'form-saved',
      'submitted',
      'returned',
      'submitted',
      'marked-complete',
      'reviewer-invited',
      'opinion-given',
      'approved',
    ]);

    const permitId = approved.body?.['permit']['id'] as string;
    const permit = await call('researcher', 'GET', `/api/permits/${permitId}`);
    expect(permit.status).toBe(200);
    expect((await call('other', 'GET', `/api/permits/${permitId}`)).status).toBe(404);
    const key = await hub.db.selectFrom('hub_signing_keys').select('public_key').executeTakeFirstOrThrow();
    const document = await verifyPermit(permit.body?.['token'] as string, key.public_key, {
      now: hub.context.now(),
    });
    const station = await hub.db
      .selectFrom('catalogue_datasets')
      .select('station_id')
      .where('id', '=', datasetId)
      .executeTakeFirstOrThrow();
    expect(document).toMatchObject({
      permitId,
      applicationId: id,
      kind: 'permit',
      purpose: 'e',
      namedUsers: [users.researcher],
      datasets: [{ datasetId, stationId: station.station_id }],
      algorithms: ['count', 'glm'],
      disclosure: { minCount: 10 },
    });

    const listed = await call(null, 'GET', '/api/register?state=approved');
    expect(listed.body?.['applications']).toContainEqual(
      expect.objectContaining({
        id,
        decision: expect.objectContaining({ outcome: 'approved', reasons: 'Necessary and proportionate' }),
        permit: expect.objectContaining({ id: permitId, status: 'active' }),
      }),
    );

    // An illegal command names the state.
    const late = await command('handler', id, { command: 'return', comment: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body?.['error']['message']).toMatch(/approved/);

    // The projection is what a replay of the events makes.
    const before = await hub.db
      .selectFrom('applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await rebuildProjection(hub.db, id);
    const after = await hub.db
      .selectFrom('applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);

    // Every command and refusal is in the audit log.
    const audit = await hub.db
      .selectFrom('audit_log')
      .select(['event', 'outcome'])
      .where('object_id', '=', id)
      .execute();
    expect(audit).toContainEqual({ event: 'application.approve', outcome: 'success' });
    expect(audit).toContainEqual({ event: 'application.approve', outcome: 'refused' });
    expect(audit).toContainEqual({ event: 'application.return', outcome: 'refused' });
  });

  it('revoking a permit sets it revoked at once and tells the federation', async () => {
    const { id } = await makeApplication(hub, { stage: 'approved' });
    const decider = await hub.sessionCookie(await hub.createUser({ roles: ['access_body_decider'] }));
    const heard: { permitId: string; revokedAt: Date }[] = [];
    const stop = hub.context.events.on('permit-revoked', (payload) => heard.push(payload));
    const response = await hub.app.inject({
      method: 'POST',
      url: `/api/applications/${id}/commands`,
      headers: { cookie: decider },
      payload: { command: 'revoke-permit', reason: 'Data used beyond the permit' },
    });
    stop();
    expect(response.statusCode).toBe(200);
    const permit = await hub.db
      .selectFrom('permits')
      .selectAll()
      .where('application_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(permit.status).toBe('revoked');
    expect(permit.revoked_at).not.toBeNull();
    expect(heard).toEqual([{ permitId: permit.id, revokedAt: new Date(permit.revoked_at ?? 0) }]);
    expect(response.json()).toMatchObject({ state: 'revoked', permit: { status: 'revoked' } });
  });

  it('an approved data request issues a data-request permit and tells the federation to run it', async () => {
    const { id } = await makeApplication(hub, { stage: 'complete', kind: 'data-request' });
    const heard: { applicationId: string; permitId: string }[] = [];
    const stop = hub.context.events.on('data-request-approved', (payload) => heard.push(payload));
    const response = await command('decider', id, {
      command: 'approve',
      permit: { months: 3, algorithms: ['count'] },
    });
    stop();
    expect(response.status).toBe(200);
    const permit = await hub.db
      .selectFrom('permits')
      .selectAll()
      .where('application_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(permit.kind).toBe('data-request');
    expect(permit.document.kind).toBe('data-request');
    expect(heard).toEqual([{ applicationId: id, permitId: permit.id }]);
  });

  it('submit is refused while a DUO block stands (a commercial applicant, a non-commercial dataset)', async () => {
    const { id, datasetId } = await makeApplication(hub, { stage: 'draft', applicantId: users.researcher });
    const form = completeForm([datasetId], users.researcher);
    await call('researcher', 'PUT', `/api/applications/${id}/form`, {
      ...form,
      applicant: { ...form.applicant, organisationType: 'commercial' },
    });
    const view = await call('researcher', 'GET', `/api/applications/${id}`);
    expect(view.body?.['duoChecks']).toContainEqual(
      expect.objectContaining({ code: 'DUO:0000046', outcome: 'block' }),
    );
    const refused = await command('researcher', id, { command: 'submit' });
    expect(refused.status).toBe(400);
    expect(refused.body?.['error']['message']).toMatch(/DUO:0000046/);
  });

  it('attachments: up to 5 MB, only for those who may see the application, served as downloads', async () => {
    const { id } = await makeApplication(hub, { stage: 'draft', applicantId: users.researcher });
    const content = Buffer.from('<html><script>alert(1)</script></html>');
    const added = await call('researcher', 'POST', `/api/applications/${id}/attachments`, {
      filename: 'ethics approval.html',
      mediaType: 'text/html',
      contentBase64: content.toString('base64'),
    });
    expect(added.status).toBe(201);
    const file = await call('researcher', 'GET', `/api/applications/${id}/attachments/${added.body?.['id']}`);
    expect(file.raw.rawPayload).toEqual(content);
    expect(file.raw.headers['content-type']).toBe('application/octet-stream');
    expect(file.raw.headers['content-disposition']).toMatch(/^attachment/);
    expect(
      (await call('other', 'GET', `/api/applications/${id}/attachments/${added.body?.['id']}`)).status,
    ).toBe(404);
    const big = await call('researcher', 'POST', `/api/applications/${id}/attachments`, {
      filename: 'big.bin',
      mediaType: 'application/octet-stream',
      contentBase64: Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64'),
    });
    expect(big.status).toBe(413);
  });

  it('the queue: most urgent first, keyset pages, a reviewer only sees invited applications', async () => {
    const first = await makeApplication(hub, { stage: 'complete', reviewerId: users.reviewer2 });
    await makeApplication(hub, { stage: 'submitted' });
    await makeApplication(hub, { stage: 'returned' });
    const all: { id: string; deadlines: { dueAt: string } }[] = [];
    let after: string | null = null;
    do {
      const page = await call(
        'handler',
        'GET',
        `/api/access/queue?pageSize=2${after === null ? '' : `&after=${after}`}`,
      );
      expect(page.status).toBe(200);
      all.push(...(page.body?.['items'] ?? []));
      after = page.body?.['nextCursor'] as string | null;
    } while (after !== null);
    const dues = all.map((item) => item.deadlines.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(new Set(all.map((item) => item.id)).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const reviewerQueue = await call('reviewer2', 'GET', '/api/access/queue');
    expect(reviewerQueue.body?.['items'].map((i: { id: string }) => i.id)).toEqual([first.id]);
    expect((await call('handler', 'GET', '/api/access/queue?after=bm9wZQ')).status).toBe(400);
  });

  it("the register's totals (kept by triggers) equal a count of the received applications, per state", async () => {
    await makeApplication(hub, { stage: 'draft' });
    const { id } = await makeApplication(hub, { stage: 'returned' });
    await hub.db.updateTable('applications').set({ state: 'closed' }).where('id', '=', id).execute();
    for (const state of [undefined, 'submitted', 'approved', 'closed', 'draft']) {
      const response = await call(
        null,
        'GET',
        `/api/register${state === undefined ? '' : `?state=${state}`}`,
      );
      let count = hub.db.selectFrom('applications').where('received_at', 'is not', null);
      if (state !== undefined) count = count.where('state', '=', state);
      const { n } = await count.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      expect(response.body?.['total'], state).toBe(Number(n));
    }
  });

  it('a register page answered from memory changes at once when an application changes', async () => {
    const { id, cast } = await makeApplication(hub, { stage: 'complete' });
    const url = `/api/register?q=${id.slice(-6)}`;
    expect((await call(null, 'GET', url)).body?.['applications']).toEqual([
      expect.objectContaining({ id, state: 'submitted' }),
    ]);
    expect((await call(null, 'GET', url)).body?.['applications']).toEqual([
      expect.objectContaining({ id, state: 'submitted' }),
    ]);
    await runCommand(hub.context, id, { type: 'reject', reason: 'Not proportionate' }, cast.decider);
    expect((await call(null, 'GET', url)).body?.['applications']).toEqual([
      expect.objectContaining({
        id,
        state: 'rejected',
        decision: expect.objectContaining({ reasons: 'Not proportionate' }),
      }),
    ]);
  });

  it('the register CSV quotes cells and defuses formulas', async () => {
    const { id } = await makeApplication(hub, { stage: 'submitted' });
    await hub.db
      .updateTable('applications')
      .set({ title: '=HYPERLINK("http://evil","click"), and more' })
      .where('id', '=', id)
      .execute();
    const csv = await hub.app.inject({ method: 'GET', url: '/api/register.csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const line = csv.body.split('\r\n').find((l) => l.startsWith(id));
    expect(line).toContain(`,"'=HYPERLINK(""http://evil"",""click""), and more",`);
  });
});
