import { randomUUID } from 'node:crypto';
import {
  generateSigningKeyPair,
  signEnvelope,
  signPermit,
  type PermitDocument,
  type SignedTaskOffer,
  type SigningKeyPair,
  type TaskOffer,
} from '@polder/protocol';
import type { StationStore } from '../station-store.ts';
import type { StationIdentity } from './task-runner.ts';

/** A hub key and a station identity that pins it, for tests that sign offers and permits as a hub would. */
export function testFederation(): { hubKey: SigningKeyPair; identity: StationIdentity; datasetId: string } {
  const hubKey = generateSigningKeyPair();
  return {
    hubKey,
    identity: { stationId: randomUUID(), keyPair: generateSigningKeyPair(), hubPublicKey: hubKey.publicKey },
    datasetId: randomUUID(),
  };
}

/** A permit for `stationId`'s dataset, valid for a day from an hour ago; `changes` override any field. */
export function testPermit(
  stationId: string,
  datasetId: string,
  changes: Partial<PermitDocument> = {},
): PermitDocument {
  const now = Date.now();
  return {
    type: 'polder.permit.v1',
    permitId: randomUUID(),
    applicationId: randomUUID(),
    kind: 'permit',
    purpose: 'c',
    holder: { organisationId: randomUUID(), organisationName: 'University of Testing' },
    namedUsers: [],
    datasets: [{ datasetId, stationId }],
    algorithms: ['count', 'summary', 'glm'],
    disclosure: {},
    issuedAt: new Date(now - 3_600_000).toISOString(),
    validFrom: new Date(now - 3_600_000).toISOString(),
    validUntil: new Date(now + 86_400_000).toISOString(),
    ...changes,
  };
}

/** A cohort of every person with a condition record (concept 201826, type 2 diabetes), with age and sex. */
export const testCohort = {
  name: 'Persons with type 2 diabetes',
  entry: { condition: { concept: 201826 }, first: true },
  variables: { age: { age: 'index' }, sex: { sex: 'label' } },
};

/** A task offer signed with `hubKey`, for `count@1.0.0` under `permit`; `changes` override any field. */
export async function testOffer(
  hubKey: SigningKeyPair,
  stationId: string,
  permit: PermitDocument | string,
  changes: Partial<TaskOffer> = {},
): Promise<SignedTaskOffer> {
  const offer: TaskOffer = {
    type: 'polder.task.v1',
    taskId: randomUUID(),
    runId: randomUUID(),
    projectId: randomUUID(),
    stationId,
    permit: typeof permit === 'string' ? permit : await signPermit(permit, hubKey),
    algorithm: { name: 'count', version: '1.0.0' },
    cohort: testCohort,
    parameters: {},
    round: 0,
    state: null,
    requestedBy: { userId: randomUUID(), name: 'Dr. Test' },
    createdAt: new Date().toISOString(),
    ...changes,
  };
  return signEnvelope(offer, hubKey);
}

/**
 * Writes `persons` persons straight into the station's CDM tables (a person, an observation period and a
 * type 2 diabetes condition each), half of them women, with source ids `Patient/P<i>` in the source-id map
 * (so that patient P<i> can opt out): enough for a cohort and a count.
 */
export async function insertTestPersons(store: StationStore, persons: number): Promise<void> {
  const c = store.connection;
  await c.run(
    `INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
     SELECT i, CASE WHEN i % 2 = 0 THEN 8532 ELSE 8507 END, 1950 + i % 40, 0, 0 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
  await c.run(
    `INSERT INTO cdm.observation_period (observation_period_id, person_id, observation_period_start_date,
       observation_period_end_date, period_type_concept_id)
     SELECT i, i, DATE '2015-01-01', DATE '2024-12-31', 32817 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
  await c.run(
    `INSERT INTO cdm.condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,
       condition_start_date, condition_type_concept_id)
     SELECT i, i, 201826, DATE '2020-01-01' + CAST(i % 300 AS INTEGER), 32817 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
  await c.run(
    `INSERT INTO polder.source_record
     SELECT 'test', 'Patient/P' || i, 'P' || i, 'Patient', 'person', i, 0, 0, 0 FROM range(1, $1 + 1) t(i)`,
    [persons],
  );
}
