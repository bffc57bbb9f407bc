import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { makeApplication } from './_access-fixtures.ts';
import { runAccessClock } from './access-clock.ts';
import { runCommand } from './access-service.ts';
import { loadEvents } from './application-store.ts';

let hub: TestHub;
let smtp: SMTPServer;
let webhookServer: Server;
let webhookStatus = 200;
const mails: { to: string[]; data: string }[] = [];
const calls: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  webhookServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      calls.push({ headers: request.headers, body });
      response.writeHead(webhookStatus).end();
    });
  });
  await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
  hub = await createTestHub({ accessClockIntervalMs: 0, smtpUrl: `smtp://127.0.0.1:${smtpPort}` });
});
afterAll(async () => {
  await hub.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => webhookServer.close(() => resolve()));
});

/** Moves the hub's clock to `iso` (forward only; tests run in calendar order). */
function setClock(iso: string): void {
  const target = Date.parse(iso);
  const delta = target - hub.context.now().getTime();
  if (delta < 0) throw new Error(`Cannot move the clock back to ${iso}`);
  hub.advanceClock(delta);
}

async function notificationsFor(applicationId: string, userId: string) {
  return hub.db
    .selectFrom('access_notifications')
    .select(['kind', 'message'])
    .where('application_id', '=', applicationId)
    .where('user_id', '=', userId)
    .where('kind', 'in', ['reminder', 'overdue', 'lapsed'])
    .orderBy('created_at')
    .execute();
}

async function eventTypes(applicationId: string): Promise<string[]> {
  return (await loadEvents(hub.db, applicationId)).map((e) => e.type);
}

describe('the access clock', () => {
  it('decision deadline of an application completed on 31 Jan is 30 Apr: reminders 14 and 2 days before, by app and e-mail; overdue on the day', async () => {
    setClock('2027-01-31T09:00:00Z');
    const { id, cast } = await makeApplication(hub, { stage: 'complete' });
    const app = await hub.db
      .selectFrom('applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(new Date(app.decision_due ?? 0).toISOString().slice(0, 16)).toBe('2027-04-30T09:00');
    const handler = cast.handler.id ?? '';
    const decider = cast.decider.id ?? '';

    setClock('2027-04-16T08:59:00Z');
    await runAccessClock(hub.context);
    expect(await notificationsFor(id, handler)).toEqual([]);

    setClock('2027-04-16T09:01:00Z');
    await runAccessClock(hub.context);
    await runAccessClock(hub.context); // twice: still one reminder
    const fourteen = await notificationsFor(id, handler);
    expect(fourteen).toEqual([{ kind: 'reminder', message: expect.stringContaining('in 14 days') }]);
    expect(await notificationsFor(id, decider)).toHaveLength(1);
    const handlerEmail = (
      await hub.db.selectFrom('users').select('email').where('id', '=', handler).executeTakeFirstOrThrow()
    ).email;
    const reminderMail = mails.find(
      (m) => m.to.includes(handlerEmail) && m.data.includes('Reminder: the decision deadline'),
    );
    expect(reminderMail?.data).toMatch(/^Subject: =\?UTF-8\?Q\?=5BPolder=5D_Reminder/m);
    expect(reminderMail?.data).toContain('(in 14 days)');

    setClock('2027-04-28T09:01:00Z');
    await runAccessClock(hub.context);
    expect((await notificationsFor(id, handler)).map((n) => n.message)).toEqual([
      expect.stringContaining('in 14 days'),
      expect.stringContaining('in 2 days'),
    ]);

    setClock('2027-04-30T08:58:00Z');
    await runAccessClock(hub.context);
    expect(await eventTypes(id)).not.toContain('deadline-missed');

    setClock('2027-04-30T09:01:00Z');
    const report = await runAccessClock(hub.context);
    expect(report.overdue).toBeGreaterThanOrEqual(1);
    expect(await eventTypes(id)).toContain('deadline-missed');
    const overdue = await hub.db
      .selectFrom('applications')
      .select('overdue')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(overdue.overdue).toBe(true);
    expect((await notificationsFor(id, handler)).at(-1)?.kind).toBe('overdue');
  });

  it('an extension (once, with a reason) moves the decision to six months after completion', async () => {
    setClock('2027-05-31T10:00:00Z');
    const { id, cast } = await makeApplication(hub, { stage: 'complete' });
    await expect(runCommand(hub.context, id, { type: 'extend-deadline' }, cast.handler)).rejects.toThrow(
      /reason/,
    );
    const { app } = await runCommand(
      hub.context,
      id,
      { type: 'extend-deadline', reason: 'External expert needed' },
      cast.decider,
    );
    expect(app.decisionDue?.slice(0, 16)).toBe('2027-11-30T10:00');
    await expect(
      runCommand(hub.context, id, { type: 'extend-deadline', reason: 'Again' }, cast.decider),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('a returned application lapses (closes) four weeks after its return, not a minute before', async () => {
    setClock('2028-02-01T12:00:00Z');
    const { id, cast } = await makeApplication(hub, { stage: 'returned' });
    setClock('2028-02-29T11:58:00Z');
    await runAccessClock(hub.context);
    expect(
      (await hub.db.selectFrom('applications').select('state').where('id', '=', id).executeTakeFirstOrThrow())
        .state,
    ).toBe('returned');
    setClock('2028-02-29T12:01:00Z');
    await runAccessClock(hub.context);
    expect(
      (await hub.db.selectFrom('applications').select('state').where('id', '=', id).executeTakeFirstOrThrow())
        .state,
    ).toBe('closed');
    const events = await loadEvents(hub.db, id);
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'lapsed', actor: { id: null } });
    expect((await notificationsFor(id, cast.applicant.id ?? '')).map((n) => n.kind)).toContain('lapsed');
  });

  it('a permit expires at its validUntil: event, permits.status, and the register', async () => {
    setClock('2029-01-31T08:00:00Z');
    const { id } = await makeApplication(hub, { stage: 'approved' });
    const permit = await hub.db
      .selectFrom('permits')
      .selectAll()
      .where('application_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(new Date(permit.valid_until).toISOString().slice(0, 16)).toBe('2030-01-31T08:00');
    setClock('2030-01-31T07:59:00Z');
    await runAccessClock(hub.context);
    expect(
      (
        await hub.db
          .selectFrom('permits')
          .select('status')
          .where('id', '=', permit.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('active');
    setClock('2030-01-31T08:01:00Z');
    const report = await runAccessClock(hub.context);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(
      (
        await hub.db
          .selectFrom('permits')
          .select('status')
          .where('id', '=', permit.id)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('expired');
    expect(await eventTypes(id)).toContain('permit-expired');
    const register = await hub.app.inject({ method: 'GET', url: '/api/register?state=expired' });
    expect(register.json().applications).toContainEqual(
      expect.objectContaining({
        id,
        state: 'expired',
        permit: expect.objectContaining({ status: 'expired' }),
      }),
    );
  });

  it('each workflow event is POSTed to a webhook with an HMAC-SHA-256 signature; a failing receiver is retried later', async () => {
    setClock('2031-03-01T10:00:00Z');
    const admin = await hub.createUser({ roles: ['admin'] });
    const address = webhookServer.address() as AddressInfo;
    const created = await hub.app.inject({
      method: 'POST',
      url: '/api/webhooks',
      headers: { cookie: await hub.sessionCookie(admin) },
      payload: { url: `http://127.0.0.1:${address.port}/polder`, eventTypes: ['submitted', 'approved'] },
    });
    expect(created.statusCode).toBe(201);
    const secret = created.json().secret as string;
    calls.length = 0;
    const { id } = await makeApplication(hub, { stage: 'approved' });
    await runAccessClock(hub.context);
    const mine = calls.filter((c) => JSON.parse(c.body).applicationId === id);
    expect(mine.map((c) => JSON.parse(c.body).event)).toEqual(['submitted', 'approved']);
    for (const call of mine) {
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(call.body).digest('hex')}`);
      const got = Buffer.from(String(call.headers['x-polder-signature']));
      expect(got.length === expected.length && timingSafeEqual(got, expected)).toBe(true);
    }

    webhookStatus = 500;
    await makeApplication(hub, { stage: 'submitted' });
    const failing = await runAccessClock(hub.context);
    expect(failing.failedDeliveries).toBeGreaterThanOrEqual(1);
    const pending = await hub.db
      .selectFrom('access_outbox')
      .selectAll()
      .where('delivered_at', 'is', null)
      .where('channel', '=', 'webhook')
      .execute();
    expect(pending.length).toBeGreaterThanOrEqual(1);
    expect(pending.every((p) => new Date(p.next_attempt_at).getTime() > hub.context.now().getTime())).toBe(
      true,
    );
    webhookStatus = 200;
    setClock('2031-03-01T10:10:00Z');
    await runAccessClock(hub.context);
    const left = await hub.db
      .selectFrom('access_outbox')
      .select('id')
      .where('delivered_at', 'is', null)
      .where('channel', '=', 'webhook')
      .execute();
    expect(left).toEqual([]);
  });
});
