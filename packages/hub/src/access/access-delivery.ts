import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import type { HubContext } from '../hub-context.ts';

/** Attempts before an outbox item is given up (about a day with the back-off below). */
const maxAttempts = 8;
/** How long a claimed item stays claimed: if the process dies mid-delivery, another retries after this. */
const claimMs = 5 * 60_000;
const webhookTimeoutMs = 10_000;

/**
 * The HMAC-SHA-256 of a webhook body with the webhook's secret, as sent in `x-polder-signature`
 * (`sha256=<hex>`). A receiver recomputes it over the raw body and compares in constant time.
 */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type Mailer = ReturnType<typeof nodemailer.createTransport>;
const mailers = new WeakMap<HubContext, Mailer>();

function mailerOf(hub: HubContext, url: string): Mailer {
  let mailer = mailers.get(hub);
  if (mailer === undefined) {
    mailer = nodemailer.createTransport(url);
    mailers.set(hub, mailer);
  }
  return mailer;
}

/** What a delivery run did. */
export interface DeliveryReport {
  readonly delivered: number;
  readonly failed: number;
}

/**
 * Delivers due items of the access outbox: e-mails over SMTP (when configured), webhook POSTs signed with
 * the webhook's secret. Items are claimed first (so several hub processes never send one twice at once),
 * then sent outside any transaction; a failure is retried with exponential back-off, up to 8 attempts.
 */
export async function deliverAccessOutbox(hub: HubContext, now: Date = hub.now()): Promise<DeliveryReport> {
  const claimed = await sql<{
    id: string;
    channel: 'email' | 'webhook';
    target: string;
    webhook_id: string | null;
    payload: Record<string, unknown>;
    attempts: number;
    created_at: Date;
  }>`
    update access_outbox set attempts = attempts + 1, next_attempt_at = ${new Date(now.getTime() + claimMs)}
    where id in (
      select id from access_outbox
      where delivered_at is null and failed_at is null and next_attempt_at <= ${now}
      order by next_attempt_at limit 50 for update skip locked
    )
    returning id, channel, target, webhook_id, payload, attempts, created_at
  `.execute(hub.db);
  // In the order the events happened (a receiver should still order by `seq`: a retry comes later).
  const items = [...claimed.rows].sort(
    (a, b) =>
      new Date(a.created_at).getTime() - new Date(b.created_at).getTime() ||
      Number(a.payload['seq'] ?? 0) - Number(b.payload['seq'] ?? 0),
  );
  let delivered = 0;
  let failed = 0;
  for (const item of items) {
    try {
      if (item.channel === 'email') await sendMail(hub, item.target, item.payload);
      else await postWebhook(hub, item.webhook_id, item.target, item.payload);
      await hub.db
        .updateTable('access_outbox')
        .set({ delivered_at: hub.now(), last_error: null })
        .where('id', '=', item.id)
        .execute();
      delivered += 1;
    } catch (error) {
      failed += 1;
      const giveUp = item.attempts >= maxAttempts;
      await hub.db
        .updateTable('access_outbox')
        .set({
          last_error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
          next_attempt_at: new Date(now.getTime() + 60_000 * 2 ** item.attempts),
          ...(giveUp ? { failed_at: now } : {}),
        })
        .where('id', '=', item.id)
        .execute();
    }
  }
  return { delivered, failed };
}

async function sendMail(hub: HubContext, to: string, payload: Record<string, unknown>): Promise<void> {
  const url = hub.config.smtpUrl;
  if (url === undefined) throw new Error('Cannot send e-mail: POLDER_SMTP_URL is not set');
  await mailerOf(hub, url).sendMail({
    from: hub.config.mailFrom,
    to,
    subject: String(payload['subject'] ?? 'Polder'),
    text: String(payload['text'] ?? ''),
  });
}

async function postWebhook(
  hub: HubContext,
  webhookId: string | null,
  url: string,
  payload: Record<string, unknown>,
): Promise<void> {
  const hook =
    webhookId === null
      ? undefined
      : await hub.db
          .selectFrom('access_webhooks')
          .select('secret')
          .where('id', '=', webhookId)
          .executeTakeFirst();
  if (hook === undefined) throw new Error('Cannot call webhook: it was deleted');
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Polder-Hub-Webhook/1',
      'x-polder-event': String(payload['event'] ?? ''),
      'x-polder-delivery': String(payload['deliveryId'] ?? ''),
      'x-polder-signature': webhookSignature(hook.secret, body),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(webhookTimeoutMs),
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`Cannot call webhook: ${url} answered ${response.status}`);
  }
}
