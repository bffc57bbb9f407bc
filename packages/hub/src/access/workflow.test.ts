import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Role } from '../accounts/roles.ts';
import { completeForm } from './_access-fixtures.ts';
import {
  allowedTransitions,
  applicationStates,
  clockActor,
  currentDue,
  decide,
  evolve,
  replay,
  type Actor,
  type Application,
  type Command,
  type WorkflowEvent,
} from './workflow.ts';

const applicant: Actor = {
  id: '00000000-0000-7000-8000-00000000000a',
  name: 'Applicant',
  roles: ['researcher'],
};
const stranger: Actor = {
  id: '00000000-0000-7000-8000-00000000000b',
  name: 'Stranger',
  roles: ['researcher'],
};
const handler: Actor = {
  id: '00000000-0000-7000-8000-00000000000c',
  name: 'Handler',
  roles: ['access_body_handler'],
};
const reviewer: Actor = {
  id: '00000000-0000-7000-8000-00000000000d',
  name: 'Reviewer',
  roles: ['access_body_reviewer'],
};
const reviewer2: Actor = {
  id: '00000000-0000-7000-8000-00000000000e',
  name: 'Reviewer 2',
  roles: ['access_body_reviewer'],
};
const decider: Actor = {
  id: '00000000-0000-7000-8000-00000000000f',
  name: 'Decider',
  roles: ['access_body_decider'],
};
const admin: Actor = { id: '00000000-0000-7000-8000-000000000010', name: 'Admin', roles: ['admin' as Role] };
const actors = [applicant, stranger, handler, reviewer, reviewer2, decider, admin, clockActor];

const datasetId = '00000000-0000-7000-8000-0000000000d1';
const start = Date.parse('2027-01-31T09:00:00Z');

const text = fc.constantFrom('', 'Please add the safeguards', 'Looks fine', 'Proportionate');
const commandArbitraries: fc.Arbitrary<Command>[] = [
  fc.record({
    type: fc.constant('save-form' as const),
    form: fc.oneof(
      { arbitrary: fc.constant(completeForm([datasetId], applicant.id ?? '')), weight: 4 },
      { arbitrary: fc.constant({ publicSummary: 'too short' }), weight: 1 },
    ),
  }),
  fc.record({
    type: fc.constant('add-attachment' as const),
    attachment: fc.constant({
      id: datasetId,
      filename: 'a.pdf',
      mediaType: 'application/pdf',
      size: 1,
      sha256: 'x',
    }),
  }),
  fc.record({
    type: fc.constant('submit' as const),
    duoBlocks: fc.oneof(
      { arbitrary: fc.constant([]), weight: 4 },
      { arbitrary: fc.constant(['blocked']), weight: 1 },
    ),
  }),
  fc.record({ type: fc.constant('return' as const), comment: text }),
  fc.record({ type: fc.constant('mark-complete' as const) }),
  fc.record({
    type: fc.constant('invite-reviewer' as const),
    reviewerId: fc.constantFrom(reviewer.id ?? '', reviewer2.id ?? ''),
    reviewerName: fc.constant('Reviewer'),
  }),
  fc.record({
    type: fc.constant('give-opinion' as const),
    opinion: fc.constantFrom('approve' as const, 'reject' as const, 'changes' as const),
    comment: text,
  }),
  fc.record({ type: fc.constant('extend-deadline' as const), reason: text }),
  fc.record({
    type: fc.constant('approve' as const),
    permit: fc.integer({ min: -5, max: 400 }).map((days) => ({
      permitId: '00000000-0000-7000-8000-0000000000f1',
      validFrom: new Date(start).toISOString(),
      validUntil: new Date(start + days * 86_400_000).toISOString(),
      algorithms: ['count'],
    })),
  }),
  fc.record({ type: fc.constant('reject' as const), reason: text }),
  fc.record({ type: fc.constant('revoke-permit' as const), reason: text }),
  fc.record({ type: fc.constant('comment' as const), comment: text }),
  fc.record({
    type: fc.constant('publish-result' as const),
    result: fc.constant({ title: 'Counts', summary: 'Readmission was 12 %' }),
  }),
  fc.constant({ type: 'expire-permit' as const }),
  fc.constant({ type: 'expire-permit' as const }),
  fc.constant({ type: 'lapse' as const }),
  fc.constant({ type: 'note-overdue' as const }),
];
// Closing ends everything, so it comes rarely; else most sequences would end in a closed draft.
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  ...commandArbitraries.map((arbitrary) => ({ arbitrary, weight: 10 })),
  { arbitrary: fc.constant({ type: 'close' as const }), weight: 1 },
);

/** The actor who may send a command (the generator picks them mostly, and anyone now and then). */
function rightActor(command: Command): fc.Arbitrary<Actor> {
  switch (command.type) {
    case 'give-opinion':
      return fc.constantFrom(reviewer, reviewer2);
    case 'return':
    case 'mark-complete':
    case 'invite-reviewer':
      return fc.constant(handler);
    case 'approve':
    case 'reject':
    case 'revoke-permit':
      return fc.constant(decider);
    case 'extend-deadline':
    case 'publish-result':
      return fc.constantFrom(handler, decider);
    case 'expire-permit':
    case 'lapse':
    case 'note-overdue':
      return fc.constant(clockActor);
    default:
      return fc.constant(applicant);
  }
}

/** A step: who sends what, after how many hours. */
const stepArbitrary = commandArbitrary.chain((command) =>
  fc.record({
    command: fc.constant(command),
    actor: fc.oneof(
      { arbitrary: rightActor(command), weight: 5 },
      { arbitrary: fc.constantFrom(...actors), weight: 1 },
    ),
    hoursLater: fc.oneof(fc.integer({ min: 0, max: 48 }), fc.integer({ min: 24 * 10, max: 24 * 200 })),
  }),
);

/** The way to an approved permit, step by step. */
const happyPath: { actor: Actor; command: Command; hoursLater: number }[] = [
  {
    actor: applicant,
    command: { type: 'save-form', form: completeForm([datasetId], applicant.id ?? '') },
    hoursLater: 1,
  },
  { actor: applicant, command: { type: 'submit', duoBlocks: [] }, hoursLater: 1 },
  { actor: handler, command: { type: 'mark-complete' }, hoursLater: 24 },
  {
    actor: decider,
    command: {
      type: 'approve',
      permit: {
        permitId: datasetId,
        validFrom: new Date(start).toISOString(),
        validUntil: new Date(start + 90 * 86_400_000).toISOString(),
        algorithms: ['count'],
      },
      comment: 'Granted',
    },
    hoursLater: 24,
  },
];

function created(): WorkflowEvent[] {
  const decision = decide(
    null,
    {
      type: 'create',
      kind: 'permit',
      title: 'Study',
      applicant: {
        id: applicant.id ?? '',
        name: 'Applicant',
        organisationId: datasetId,
        organisationName: 'Org',
      },
      form: {},
    },
    applicant,
    new Date(start),
  );
  if (!decision.ok) throw new Error(decision.refusal.message);
  return [...decision.events];
}

/** Invariants every reachable state keeps. */
function checkInvariants(app: Application): void {
  expect(applicationStates).toContain(app.state);
  expect(app.permit !== null).toBe(['approved', 'expired', 'revoked'].includes(app.state));
  if (app.state === 'approved') expect(app.permit?.status).toBe('active');
  if (app.state === 'expired') expect(app.permit?.status).toBe('expired');
  if (app.state === 'revoked') expect(app.permit?.status).toBe('revoked');
  expect(app.decision !== null).toBe(['approved', 'rejected', 'expired', 'revoked'].includes(app.state));
  if (app.state === 'draft') expect(app.receivedAt).toBeNull();
  if (app.state !== 'draft' && app.state !== 'closed') expect(app.receivedAt).not.toBeNull();
  // The decision clock runs exactly when the application is complete; an extension only on a running clock.
  expect(app.decisionDue !== null).toBe(app.completedAt !== null);
  if (app.extended) expect(app.completedAt).not.toBeNull();
  if (app.state === 'returned') expect(app.completionDue).not.toBeNull();
  if (currentDue(app) !== null) expect(['submitted', 'returned']).toContain(app.state);
  // Only invited reviewers give opinions.
  for (const r of app.reviewers) if (r.opinion !== null) expect([reviewer.id, reviewer2.id]).toContain(r.id);
}

describe('workflow', () => {
  it('random command sequences by random actors: only allowed transitions, and the state is always the replay of the events', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: happyPath.length }),
        fc.array(stepArbitrary, { minLength: 5, maxLength: 60, size: 'max' }),
        (prefix, randomSteps) => {
          const events = created();
          let app = replay(events);
          let now = start;
          // Half the sequences start some way along the happy path, so that every state is reached often.
          const steps = [...happyPath.slice(0, prefix), ...randomSteps];
          for (const { actor, command, hoursLater } of steps) {
            now += hoursLater * 3_600_000;
            if (app === null) throw new Error('no state');
            const before = app;
            const decision = decide(app, command, actor, new Date(now));
            if (!decision.ok) {
              expect(['forbidden', 'conflict', 'invalid']).toContain(decision.refusal.code);
              expect(decision.refusal.message).toMatch(/^Cannot /);
              continue;
            }
            for (const event of decision.events) {
              expect(event.seq).toBe(events.length + 1);
              events.push(event);
              app = evolve(app, event);
            }
            if (app.state !== before.state) expect(allowedTransitions[before.state]).toContain(app.state);
            checkInvariants(app);
            reached.add(app.state);
            expect(app).toEqual(replay(events));
          }
        },
      ),
      { numRuns: 150 },
    );
    // The generator must reach every state, or the property says little.
    expect([...reached].sort()).toEqual([...applicationStates].sort());
  });

  it('wrong roles are refused with forbidden, whatever the state', () => {
    const app = replay(created());
    const decision = decide(
      app,
      {
        type: 'approve',
        permit: {
          permitId: datasetId,
          validFrom: '2027-01-01T00:00:00Z',
          validUntil: '2028-01-01T00:00:00Z',
          algorithms: ['count'],
        },
      },
      applicant,
      new Date(start),
    );
    expect(decision).toMatchObject({ ok: false, refusal: { code: 'forbidden' } });
    const strangerSubmits = decide(app, { type: 'submit', duoBlocks: [] }, stranger, new Date(start));
    expect(strangerSubmits).toMatchObject({ ok: false, refusal: { code: 'forbidden' } });
  });

  it('an illegal command names the state', () => {
    const app = replay(created());
    const decision = decide(app, { type: 'return', comment: 'x' }, handler, new Date(start));
    expect(decision).toEqual({
      ok: false,
      refusal: { code: 'conflict', message: 'Cannot return the application: the application is draft' },
    });
  });

  it('submit is refused while the form is incomplete or a DUO block stands', () => {
    let app = replay(created());
    const incomplete = decide(app, { type: 'submit', duoBlocks: [] }, applicant, new Date(start));
    expect(incomplete).toMatchObject({
      ok: false,
      refusal: { code: 'invalid', message: expect.stringContaining('public summary') },
    });
    const saved = decide(
      app,
      { type: 'save-form', form: completeForm([datasetId], applicant.id ?? '') },
      applicant,
      new Date(start),
    );
    if (!saved.ok) throw new Error(saved.refusal.message);
    app = replay([...created(), ...saved.events]);
    const blocked = decide(
      app,
      { type: 'submit', duoBlocks: ['Dataset (DUO:0000018): commercial'] },
      applicant,
      new Date(start),
    );
    expect(blocked).toMatchObject({
      ok: false,
      refusal: { code: 'invalid', message: expect.stringContaining('DUO:0000018') },
    });
    expect(decide(app, { type: 'submit', duoBlocks: [] }, applicant, new Date(start)).ok).toBe(true);
  });

  it('replaying a log with a gap in its numbers fails loudly', () => {
    const [first] = created();
    if (first === undefined) throw new Error('no event');
    const gap: WorkflowEvent = { type: 'commented', seq: 3, at: first.at, actor: first.actor, comment: 'x' };
    expect(() => replay([first, gap])).toThrow(/expected event 2/);
  });
});
