import type { Role } from '../accounts/roles.ts';
import { exampleStatistics, exampleSteward } from '../catalogue/_example-datasets.ts';
import { upsertDatasetDescription } from '../catalogue/catalogue-store.ts';
import { uuid7 } from '../db/uuid7.ts';
import type { TestHub } from '../_test-hub.ts';
import { runCommand } from './access-service.ts';
import type { ApplicationForm, ApplicationKind } from './application-form.ts';
import { addCalendarMonths } from './deadlines.ts';
import type { Actor, Command } from './workflow.ts';

/** A published dataset of a new station (the example description: DUO HMB and NCU); its id. */
export async function publishedDataset(hub: TestHub, stationName = 'Access test station'): Promise<string> {
  const { datasetId } = await upsertDatasetDescription(
    hub.db,
    uuid7(),
    { statistics: exampleStatistics, steward: exampleSteward },
    { stationName },
  );
  return datasetId;
}

/** A form that passes the completeness check and the example dataset's DUO codes. */
export function completeForm(
  datasetIds: readonly string[],
  applicantId: string,
  kind: ApplicationKind = 'permit',
): ApplicationForm {
  return {
    publicSummary: 'How often diabetes patients are readmitted within 30 days of discharge.',
    applicant: {
      name: 'Test User',
      organisation: 'Test organisation',
      email: 'applicant@test.polder',
      role: 'principal investigator',
      organisationType: 'academic',
    },
    team: [{ name: 'Second Researcher', organisation: 'Test organisation', role: 'analyst' }],
    purpose: {
      ground: 'e',
      description: 'Scientific research into readmission after diabetes care in hospitals.',
    },
    datasets: [...datasetIds],
    acceptedTerms: [...datasetIds],
    dataToBeLinked: 'none',
    processing: {
      environment: 'Polder federation: aggregates only',
      safeguards: 'disclosure control at every station',
    },
    requestedAnalyses: 'Counts and a logistic regression of readmission on age and sex.',
    ...(kind === 'data-request'
      ? {
          analysis: {
            cohort: { name: 'diabetes', entry: { condition: { concept: 201826 } } },
            algorithm: { name: 'count', version: '1' },
            parameters: {},
          },
        }
      : {}),
    duration: { months: 12 },
    namedUsers: [applicantId],
  };
}

/** Where {@link makeApplication} takes an application to. */
export type FixtureStage = 'draft' | 'submitted' | 'complete' | 'approved' | 'returned';

/** The users a fixture acts as. */
export interface AccessCast {
  readonly applicant: Actor;
  readonly handler: Actor;
  readonly decider: Actor;
}

/** Makes (or reuses) an applicant, a handler and a decider. */
export async function accessCast(hub: TestHub, applicantId?: string): Promise<AccessCast> {
  const actor = async (role: Role, id?: string): Promise<Actor> => ({
    id: id ?? (await hub.createUser({ roles: [role] })),
    name: 'Test User',
    roles: [role],
  });
  return {
    applicant: await actor('researcher', applicantId),
    handler: await actor('access_body_handler'),
    decider: await actor('access_body_decider'),
  };
}

/**
 * An application taken through the workflow to `stage` by direct commands (no HTTP); with `reviewerId`
 * that reviewer is invited once it is submitted. Returns its id.
 */
export async function makeApplication(
  hub: TestHub,
  options: {
    readonly stage: FixtureStage;
    readonly applicantId?: string;
    readonly reviewerId?: string;
    readonly kind?: ApplicationKind;
    readonly datasetId?: string;
  },
): Promise<{ id: string; cast: AccessCast; datasetId: string }> {
  const cast = await accessCast(hub, options.applicantId);
  const datasetId = options.datasetId ?? (await publishedDataset(hub));
  const id = uuid7();
  const kind = options.kind ?? 'permit';
  const applicantId = cast.applicant.id ?? '';
  const run = (command: Command, actor: Actor) => runCommand(hub.context, id, command, actor);
  await run(
    {
      type: 'create',
      kind,
      title: `Readmission study ${id.slice(-6)}`,
      applicant: {
        id: applicantId,
        name: 'Test User',
        organisationId: hub.organisationId,
        organisationName: 'Test organisation',
      },
      form: completeForm([datasetId], applicantId, kind),
    },
    cast.applicant,
  );
  if (options.stage === 'draft') return { id, cast, datasetId };
  await run({ type: 'submit', duoBlocks: [] }, cast.applicant);
  if (options.reviewerId !== undefined) {
    await run(
      { type: 'invite-reviewer', reviewerId: options.reviewerId, reviewerName: 'Test User' },
      cast.handler,
    );
  }
  if (options.stage === 'submitted') return { id, cast, datasetId };
  if (options.stage === 'returned') {
    await run({ type: 'return', comment: 'Please describe the safeguards in more detail' }, cast.handler);
    return { id, cast, datasetId };
  }
  await run({ type: 'mark-complete' }, cast.handler);
  if (options.stage === 'complete') return { id, cast, datasetId };
  const now = hub.context.now();
  await run(
    {
      type: 'approve',
      permit: {
        permitId: uuid7(),
        validFrom: now.toISOString(),
        validUntil: addCalendarMonths(now, 12).toISOString(),
        algorithms: ['count', 'glm'],
        disclosure: {},
      },
      comment: 'Proportionate and well safeguarded',
    },
    cast.decider,
  );
  return { id, cast, datasetId };
}
