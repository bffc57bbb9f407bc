import type { Role } from '../accounts/roles.ts';
import { missingSections, type ApplicationForm, type ApplicationKind } from './application-form.ts';
import {
  completenessDueAfter,
  completionDueAfter,
  decisionDueAfter,
  isOverdue,
  type DueKind,
} from './deadlines.ts';

/**
 * The access procedure as an event-sourced workflow, pure: `decide` turns a command into events (or a typed
 * refusal), `evolve` folds an event into the state, `replay` folds them all. The database keeps the events;
 * everything else is derived from them.
 *
 * draft → submitted ⇄ returned → approved (permit active) → expired | revoked; submitted → rejected;
 * draft | submitted | returned → closed (by the applicant, or lapsed when a returned application is not
 * completed in time).
 */

/** Every state an application can be in. */
export const applicationStates = [
  'draft',
  'submitted',
  'returned',
  'approved',
  'rejected',
  'closed',
  'expired',
  'revoked',
] as const;
/** A state of an application. */
export type ApplicationState = (typeof applicationStates)[number];

/** The only state changes there are (from → to). */
export const allowedTransitions: Readonly<Record<ApplicationState, readonly ApplicationState[]>> = {
  draft: ['submitted', 'closed'],
  submitted: ['returned', 'approved', 'rejected', 'closed'],
  returned: ['submitted', 'closed'],
  approved: ['expired', 'revoked'],
  rejected: [],
  closed: [],
  expired: [],
  revoked: [],
};

/** Who acts: a user with roles, or the hub's clock (`id` null). */
export interface Actor {
  readonly id: string | null;
  readonly name: string;
  readonly roles: readonly Role[];
}

/** The hub's clock job as an actor. */
export const clockActor: Actor = { id: null, name: 'Polder hub clock', roles: [] };

/** An opinion an invited reviewer gives. */
export type Opinion = 'approve' | 'reject' | 'changes';

/** What a decider grants on approval. */
export interface PermitTerms {
  readonly permitId: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly algorithms: readonly string[];
  readonly disclosure?: { readonly minCount?: number; readonly roundTo?: number };
  readonly privacyBudget?: { readonly epsilon: number; readonly delta?: number };
}

/** Metadata of an attached file (its content is stored beside the events). */
export interface AttachmentInfo {
  readonly id: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
}

/** A result published in the register. */
export interface PublishedResult {
  readonly title: string;
  readonly summary: string;
  readonly url?: string;
}

/** Who applies. */
export interface Applicant {
  readonly id: string;
  readonly name: string;
  readonly organisationId: string;
  readonly organisationName: string;
}

/** What a command asks; the service adds facts it looked up (DUO blocks, reviewer names, permit ids). */
export type Command =
  | {
      readonly type: 'create';
      readonly kind: ApplicationKind;
      readonly title: string;
      readonly applicant: Applicant;
      readonly form: ApplicationForm;
    }
  | { readonly type: 'save-form'; readonly form: ApplicationForm }
  | { readonly type: 'add-attachment'; readonly attachment: AttachmentInfo }
  | { readonly type: 'submit'; readonly comment?: string; readonly duoBlocks: readonly string[] }
  | { readonly type: 'return'; readonly comment?: string }
  | { readonly type: 'mark-complete'; readonly comment?: string }
  | {
      readonly type: 'invite-reviewer';
      readonly reviewerId: string;
      readonly reviewerName: string;
      readonly comment?: string;
    }
  | { readonly type: 'give-opinion'; readonly opinion: Opinion; readonly comment?: string }
  | { readonly type: 'extend-deadline'; readonly reason?: string }
  | { readonly type: 'approve'; readonly permit: PermitTerms; readonly comment?: string }
  | { readonly type: 'reject'; readonly reason?: string }
  | { readonly type: 'revoke-permit'; readonly reason?: string }
  | { readonly type: 'close'; readonly comment?: string }
  | { readonly type: 'comment'; readonly comment?: string }
  | { readonly type: 'publish-result'; readonly result: PublishedResult; readonly comment?: string }
  | { readonly type: 'expire-permit' }
  | { readonly type: 'lapse' }
  | { readonly type: 'note-overdue' };

/** The command names a client may send (the rest come from the hub itself). */
export type CommandType = Command['type'];

/** What happened, without the envelope. */
export type EventBody =
  | {
      readonly type: 'created';
      readonly kind: ApplicationKind;
      readonly title: string;
      readonly applicant: Applicant;
      readonly form: ApplicationForm;
    }
  | { readonly type: 'form-saved'; readonly form: ApplicationForm }
  | { readonly type: 'attachment-added'; readonly attachment: AttachmentInfo }
  | { readonly type: 'submitted' }
  | { readonly type: 'returned' }
  | { readonly type: 'marked-complete' }
  | { readonly type: 'reviewer-invited'; readonly reviewerId: string; readonly reviewerName: string }
  | { readonly type: 'opinion-given'; readonly opinion: Opinion }
  | { readonly type: 'deadline-extended' }
  | { readonly type: 'approved'; readonly permit: PermitTerms }
  | { readonly type: 'rejected' }
  | { readonly type: 'permit-revoked' }
  | { readonly type: 'permit-expired' }
  | { readonly type: 'closed'; readonly by: 'applicant' | 'lapsed' }
  | { readonly type: 'commented' }
  | { readonly type: 'result-published'; readonly result: PublishedResult }
  | { readonly type: 'deadline-missed'; readonly deadline: DueKind; readonly dueAt: string };

/** An event as stored: what happened, its number within the application, who, when and why. */
export type WorkflowEvent = EventBody & {
  readonly seq: number;
  /** ISO 8601. */
  readonly at: string;
  readonly actor: { readonly id: string | null; readonly name: string };
  readonly comment: string | null;
};

/** An invited reviewer and their opinion. */
export interface Reviewer {
  readonly id: string;
  readonly name: string;
  readonly invitedAt: string;
  readonly opinion: Opinion | null;
  readonly opinionAt: string | null;
  readonly comment: string | null;
}

/** An application as its events make it. Times are ISO 8601 strings. */
export interface Application {
  readonly kind: ApplicationKind;
  readonly title: string;
  readonly applicant: Applicant;
  readonly state: ApplicationState;
  readonly form: ApplicationForm;
  /** The seq of the last event. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** First submission: the application is in the public register from then on. */
  readonly receivedAt: string | null;
  /** The latest submission. */
  readonly submittedAt: string | null;
  /** When the handler marked it complete (cleared on return). */
  readonly completedAt: string | null;
  readonly completenessDue: string | null;
  readonly decisionDue: string | null;
  readonly completionDue: string | null;
  readonly extended: boolean;
  readonly reviewers: readonly Reviewer[];
  readonly attachments: readonly AttachmentInfo[];
  readonly decision: {
    readonly outcome: 'approved' | 'rejected';
    readonly reasons: string;
    readonly at: string;
  } | null;
  readonly permit: (PermitTerms & { readonly status: 'active' | 'expired' | 'revoked' }) | null;
  readonly results: readonly (PublishedResult & { readonly at: string })[];
  /** Deadlines the clock found passed (kind and the due time it was at). */
  readonly missed: readonly { readonly deadline: DueKind; readonly dueAt: string }[];
}

/** Why a command was refused: not your role (403), not in this state (409), or bad input (400). */
export interface Refusal {
  readonly code: 'forbidden' | 'conflict' | 'invalid';
  readonly message: string;
}

/** The outcome of {@link decide}. */
export type Decision =
  | { readonly ok: true; readonly events: readonly WorkflowEvent[] }
  | { readonly ok: false; readonly refusal: Refusal };

/** The deadline the procedure waits on next, if any. */
export function currentDue(app: Application): { kind: DueKind; at: string } | null {
  if (app.state === 'submitted') {
    if (app.completedAt === null) {
      return app.completenessDue === null ? null : { kind: 'completeness', at: app.completenessDue };
    }
    return app.decisionDue === null ? null : { kind: 'decision', at: app.decisionDue };
  }
  if (app.state === 'returned' && app.completionDue !== null)
    return { kind: 'completion', at: app.completionDue };
  return null;
}

/** Whether the clock has recorded the current deadline as missed. */
export function isMarkedOverdue(app: Application): boolean {
  const due = currentDue(app);
  return due !== null && app.missed.some((m) => m.deadline === due.kind && m.dueAt === due.at);
}

const refuse = (code: Refusal['code'], message: string): Decision => ({
  ok: false,
  refusal: { code, message },
});

function hasText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/**
 * Decides a command against the current state (null before `create`) at `now`: the events it causes, or a
 * refusal. Roles are checked before states, so a wrong role hears 403 whatever the state.
 */
export function decide(app: Application | null, command: Command, actor: Actor, now: Date): Decision {
  const at = now.toISOString();
  const event = (body: EventBody, comment?: string): Decision => ({
    ok: true,
    events: [
      {
        ...body,
        seq: (app?.version ?? 0) + 1,
        at,
        actor: { id: actor.id, name: actor.name },
        comment: hasText(comment) ? comment : null,
      },
    ],
  });
  if (command.type === 'create') {
    if (app !== null) return refuse('conflict', 'Cannot create the application: it exists already');
    if (actor.id !== command.applicant.id || !actor.roles.includes('researcher')) {
      return refuse('forbidden', 'Cannot create an application: only a researcher applies, for themselves');
    }
    const { type: _type, ...rest } = command;
    return event({ type: 'created', ...rest });
  }
  if (app === null) return refuse('conflict', `Cannot ${command.type}: the application does not exist`);

  const isApplicant = actor.id !== null && actor.id === app.applicant.id;
  const isHandler = actor.roles.includes('access_body_handler');
  const isDecider = actor.roles.includes('access_body_decider');
  const isInvitedReviewer =
    actor.roles.includes('access_body_reviewer') && app.reviewers.some((r) => r.id === actor.id);
  const isClock = actor.id === null;
  const inState = (...states: ApplicationState[]) => states.includes(app.state);
  const wrongState = (what: string) => refuse('conflict', `Cannot ${what}: the application is ${app.state}`);
  const only = (allowed: boolean, who: string): Decision | null =>
    allowed ? null : refuse('forbidden', `Cannot ${command.type}: only ${who} may`);

  switch (command.type) {
    case 'save-form':
      return (
        only(isApplicant, 'the applicant') ??
        (inState('draft', 'returned')
          ? event({ type: 'form-saved', form: command.form })
          : wrongState('change the form'))
      );
    case 'add-attachment':
      return (
        only(isApplicant, 'the applicant') ??
        (inState('draft', 'returned')
          ? event({ type: 'attachment-added', attachment: command.attachment })
          : wrongState('add an attachment'))
      );
    case 'submit': {
      const denied = only(isApplicant, 'the applicant');
      if (denied !== null) return denied;
      if (!inState('draft', 'returned')) return wrongState('submit');
      const missing = missingSections(app.form, app.kind);
      if (missing.length > 0) {
        return refuse(
          'invalid',
          `Cannot submit: the application is incomplete: ${missing.map((m) => m.message).join('; ')}`,
        );
      }
      if (command.duoBlocks.length > 0) {
        return refuse(
          'invalid',
          `Cannot submit: a dataset's data-use conditions forbid this use: ${command.duoBlocks.join('; ')}`,
        );
      }
      return event({ type: 'submitted' }, command.comment);
    }
    case 'return': {
      const denied = only(isHandler, 'a handler');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('return the application');
      if (!hasText(command.comment)) {
        return refuse('invalid', 'Cannot return the application: say what to change in a comment');
      }
      return event({ type: 'returned' }, command.comment);
    }
    case 'mark-complete': {
      const denied = only(isHandler, 'a handler');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('mark the application complete');
      if (app.completedAt !== null) return refuse('conflict', 'Cannot mark complete: it is complete already');
      return event({ type: 'marked-complete' }, command.comment);
    }
    case 'invite-reviewer': {
      const denied = only(isHandler, 'a handler');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('invite a reviewer');
      if (app.reviewers.some((r) => r.id === command.reviewerId)) {
        return refuse('conflict', `Cannot invite ${command.reviewerName}: invited already`);
      }
      return event(
        { type: 'reviewer-invited', reviewerId: command.reviewerId, reviewerName: command.reviewerName },
        command.comment,
      );
    }
    case 'give-opinion': {
      const denied = only(isInvitedReviewer, 'an invited reviewer');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('give an opinion');
      if (!hasText(command.comment))
        return refuse('invalid', 'Cannot give an opinion: explain it in a comment');
      return event({ type: 'opinion-given', opinion: command.opinion }, command.comment);
    }
    case 'extend-deadline': {
      const denied = only(isHandler || isDecider, 'a handler or a decider');
      if (denied !== null) return denied;
      if (!inState('submitted') || app.completedAt === null) {
        return refuse(
          'conflict',
          `Cannot extend the deadline: the decision clock is not running (the application is ${app.state}${app.state === 'submitted' ? ', not yet complete' : ''})`,
        );
      }
      if (app.extended) return refuse('conflict', 'Cannot extend the deadline: it was extended once already');
      if (!hasText(command.reason)) return refuse('invalid', 'Cannot extend the deadline: give a reason');
      return event({ type: 'deadline-extended' }, command.reason);
    }
    case 'approve': {
      const denied = only(isDecider, 'a decider');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('approve');
      if (app.completedAt === null) {
        return refuse('conflict', 'Cannot approve: the application is submitted but not yet marked complete');
      }
      if (Date.parse(command.permit.validUntil) <= Date.parse(command.permit.validFrom)) {
        return refuse('invalid', 'Cannot approve: the permit must end after it starts');
      }
      return event({ type: 'approved', permit: command.permit }, command.comment);
    }
    case 'reject': {
      const denied = only(isDecider, 'a decider');
      if (denied !== null) return denied;
      if (!inState('submitted')) return wrongState('reject');
      if (!hasText(command.reason)) return refuse('invalid', 'Cannot reject: give the reasons');
      return event({ type: 'rejected' }, command.reason);
    }
    case 'revoke-permit': {
      const denied = only(isDecider, 'a decider');
      if (denied !== null) return denied;
      if (!inState('approved')) return wrongState('revoke the permit');
      if (!hasText(command.reason)) return refuse('invalid', 'Cannot revoke the permit: give the reason');
      return event({ type: 'permit-revoked' }, command.reason);
    }
    case 'close': {
      const denied = only(isApplicant, 'the applicant');
      if (denied !== null) return denied;
      if (!inState('draft', 'submitted', 'returned')) return wrongState('close');
      return event({ type: 'closed', by: 'applicant' }, command.comment);
    }
    case 'comment': {
      const denied = only(
        isApplicant || ((isHandler || isDecider) && app.receivedAt !== null) || isInvitedReviewer,
        'the applicant or the access body',
      );
      if (denied !== null) return denied;
      if (!hasText(command.comment)) return refuse('invalid', 'Cannot comment: the comment is empty');
      return event({ type: 'commented' }, command.comment);
    }
    case 'publish-result': {
      const denied = only(isHandler || isDecider, 'a handler or a decider');
      if (denied !== null) return denied;
      if (!inState('approved', 'expired', 'revoked')) return wrongState('publish a result');
      return event({ type: 'result-published', result: command.result }, command.comment);
    }
    case 'expire-permit': {
      const denied = only(isClock, "the hub's clock");
      if (denied !== null) return denied;
      if (!inState('approved') || app.permit === null) return wrongState('expire the permit');
      if (!isOverdue(new Date(app.permit.validUntil), now)) {
        return refuse('conflict', `Cannot expire the permit: it is valid until ${app.permit.validUntil}`);
      }
      return event({ type: 'permit-expired' });
    }
    case 'lapse': {
      const denied = only(isClock, "the hub's clock");
      if (denied !== null) return denied;
      if (!inState('returned') || app.completionDue === null) return wrongState('lapse');
      if (!isOverdue(new Date(app.completionDue), now)) {
        return refuse(
          'conflict',
          `Cannot lapse the application: the applicant has until ${app.completionDue}`,
        );
      }
      return event({ type: 'closed', by: 'lapsed' }, 'Not completed within four weeks of its return');
    }
    case 'note-overdue': {
      const denied = only(isClock, "the hub's clock");
      if (denied !== null) return denied;
      const due = currentDue(app);
      if (due === null) return wrongState('note a missed deadline');
      if (!isOverdue(new Date(due.at), now)) {
        return refuse('conflict', `Cannot note a missed deadline: the ${due.kind} deadline is ${due.at}`);
      }
      if (isMarkedOverdue(app)) return refuse('conflict', `Cannot note a missed deadline: noted already`);
      return event({ type: 'deadline-missed', deadline: due.kind, dueAt: due.at });
    }
  }
}

/** The state after `event` (null before the first). Throws on an event that cannot follow: a corrupt log. */
export function evolve(app: Application | null, event: WorkflowEvent): Application {
  if (event.type === 'created') {
    if (app !== null) throw new Error(`Cannot replay event ${event.seq}: the application exists already`);
    return {
      kind: event.kind,
      title: event.title,
      applicant: event.applicant,
      state: 'draft',
      form: event.form,
      version: event.seq,
      createdAt: event.at,
      updatedAt: event.at,
      receivedAt: null,
      submittedAt: null,
      completedAt: null,
      completenessDue: null,
      decisionDue: null,
      completionDue: null,
      extended: false,
      reviewers: [],
      attachments: [],
      decision: null,
      permit: null,
      results: [],
      missed: [],
    };
  }
  if (app === null)
    throw new Error(`Cannot replay event ${event.seq} (${event.type}): no 'created' event first`);
  if (event.seq !== app.version + 1) {
    throw new Error(`Cannot replay event ${event.seq}: expected event ${app.version + 1}`);
  }
  const next: Application = { ...app, version: event.seq, updatedAt: event.at };
  const at = new Date(event.at);
  switch (event.type) {
    case 'form-saved':
      return { ...next, form: event.form };
    case 'attachment-added':
      return { ...next, attachments: [...app.attachments, event.attachment] };
    case 'submitted':
      return {
        ...next,
        state: 'submitted',
        receivedAt: app.receivedAt ?? event.at,
        submittedAt: event.at,
        completedAt: null,
        completenessDue: completenessDueAfter(at).toISOString(),
        decisionDue: null,
        completionDue: null,
        extended: false,
      };
    case 'returned':
      return {
        ...next,
        state: 'returned',
        completedAt: null,
        decisionDue: null,
        extended: false,
        completionDue: completionDueAfter(at).toISOString(),
      };
    case 'marked-complete':
      return { ...next, completedAt: event.at, decisionDue: decisionDueAfter(at, false).toISOString() };
    case 'reviewer-invited':
      return {
        ...next,
        reviewers: [
          ...app.reviewers,
          {
            id: event.reviewerId,
            name: event.reviewerName,
            invitedAt: event.at,
            opinion: null,
            opinionAt: null,
            comment: null,
          },
        ],
      };
    case 'opinion-given':
      return {
        ...next,
        reviewers: app.reviewers.map((r) =>
          r.id === event.actor.id
            ? { ...r, opinion: event.opinion, opinionAt: event.at, comment: event.comment }
            : r,
        ),
      };
    case 'deadline-extended':
      return {
        ...next,
        extended: true,
        decisionDue: decisionDueAfter(new Date(app.completedAt ?? event.at), true).toISOString(),
      };
    case 'approved':
      return {
        ...next,
        state: 'approved',
        decision: { outcome: 'approved', reasons: event.comment ?? '', at: event.at },
        permit: { ...event.permit, status: 'active' },
      };
    case 'rejected':
      return {
        ...next,
        state: 'rejected',
        decision: { outcome: 'rejected', reasons: event.comment ?? '', at: event.at },
      };
    case 'permit-revoked':
      return {
        ...next,
        state: 'revoked',
        permit: app.permit === null ? null : { ...app.permit, status: 'revoked' },
      };
    case 'permit-expired':
      return {
        ...next,
        state: 'expired',
        permit: app.permit === null ? null : { ...app.permit, status: 'expired' },
      };
    case 'closed':
      return { ...next, state: 'closed' };
    case 'commented':
      return next;
    case 'result-published':
      return { ...next, results: [...app.results, { ...event.result, at: event.at }] };
    case 'deadline-missed':
      return { ...next, missed: [...app.missed, { deadline: event.deadline, dueAt: event.dueAt }] };
  }
}

/** The state the events make (null for none). */
export function replay(events: readonly WorkflowEvent[]): Application | null {
  let app: Application | null = null;
  for (const event of events) app = evolve(app, event);
  return app;
}
