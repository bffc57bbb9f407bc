import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair, signEnvelope, verifyEnvelope } from '@polder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationStore, type StationStore } from '../station-store.ts';
import { recordOptOut } from '../opt-out/opt-out-register.ts';
import { projectsUsingRecord } from '../opt-out/task-usage.ts';
import { defaultStationPolicy, type StationPolicy } from './station-policy.ts';
import {
  openTaskOffer,
  runTask,
  signTaskResult,
  UntrustedOfferError,
  type TaskRunnerContext,
} from './task-runner.ts';
import { insertTestPersons, testFederation, testOffer, testPermit } from './_test-federation.ts';

let dir: string;
let store: StationStore;
const { hubKey, identity, datasetId } = testFederation();
const persons = 120;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-task-runner-'));
  store = await openStationStore(dir, { name: 'Runner test', threads: 1 });
  await insertTestPersons(store, persons);
});
afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function context(changes: Partial<TaskRunnerContext> = {}): TaskRunnerContext {
  return {
    store,
    identity,
    policy: defaultStationPolicy,
    revokedPermits: new Set(),
    datasetIds: [datasetId],
    ...changes,
  };
}

describe('runTask()', () => {
  it('counts the cohort under disclosure control and the station key signs the result', async () => {
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const outcome = await runTask(offer, context());
    expect(outcome.kind).toBe('final');
    expect(outcome.result.status).toBe('completed');
    expect(outcome.result.output).toMatchObject({ persons: { kind: 'count', value: persons } });
    expect(outcome.result.disclosure?.policy).toMatchObject({ minCount: 8, roundTo: 5 });
    const signed = signTaskResult(outcome.result, identity);
    expect(verifyEnvelope(signed, identity.keyPair.publicKey)).toBe(true);
  });

  it('leaves out persons who opted out of the purpose before the permit was granted, not after', async () => {
    const grantedAt = Date.now() - 60_000;
    const permit = testPermit(identity.stationId, datasetId, { issuedAt: new Date(grantedAt).toISOString() });
    const optOut = (number: string, purpose: 'c' | 'd', at: number) =>
      recordOptOut(store, {
        sourceIdentifier: number,
        purposes: [purpose],
        actor: { role: 'steward', id: 'steward-1', name: 'Steward' },
        now: new Date(at),
      });
    for (let i = 1; i <= 10; i += 1) await optOut(`P${i}`, 'c', grantedAt - 1000);
    for (let i = 11; i <= 15; i += 1) await optOut(`P${i}`, 'd', grantedAt - 1000); // another purpose
    for (let i = 16; i <= 20; i += 1) await optOut(`P${i}`, 'c', grantedAt + 1000); // after the grant
    const outcome = await runTask(await testOffer(hubKey, identity.stationId, permit), context());
    expect(outcome.result.output).toMatchObject({ persons: { kind: 'count', value: persons - 10 } });
    const later = testPermit(identity.stationId, datasetId, { issuedAt: new Date().toISOString() });
    const after = await runTask(await testOffer(hubKey, identity.stationId, later), context());
    expect(after.result.output).toMatchObject({ persons: { kind: 'count', value: persons - 15 } });
  });

  it("records the project's title from the offer for the patient page, and names an untitled one by its id", async () => {
    const permit = testPermit(identity.stationId, datasetId);
    const titled = await testOffer(hubKey, identity.stationId, permit, { projectTitle: 'Sepsis outcomes' });
    const untitled = await testOffer(hubKey, identity.stationId, permit);
    for (const offer of [titled, untitled])
      expect((await runTask(offer, context())).result.status).toBe('completed');
    const uses = await projectsUsingRecord(store, 'Patient/P100');
    const titleOf = (offer: typeof titled) =>
      uses.find((use) => use.projectId === offer.payload.projectId)?.projectTitle;
    expect(titleOf(titled)).toBe('Sepsis outcomes');
    expect(titleOf(untitled)).toBe(`Project ${untitled.payload.projectId}`);
  });

  it('applies the strictest of station and permit thresholds', async () => {
    const permit = testPermit(identity.stationId, datasetId, { disclosure: { roundTo: 7 } });
    const policy: StationPolicy = { ...defaultStationPolicy, disclosure: { minCount: 11 } };
    const outcome = await runTask(await testOffer(hubKey, identity.stationId, permit), context({ policy }));
    expect(outcome.result.disclosure?.policy).toMatchObject({ minCount: 11, roundTo: 10 });
    expect(outcome.result.output).toMatchObject({ persons: { kind: 'count', value: 120 } });
  });

  it('charges a noisy count to the permit budget at this station, and refuses one over it without spending', async () => {
    const permit = testPermit(identity.stationId, datasetId, { privacyBudget: { epsilon: 1 } });
    const noisy = { privacy: { epsilon: 0.6 } };
    const first = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { parameters: noisy }),
      context(),
    );
    expect(first.result.status).toBe('completed');
    expect(first.result.disclosure?.actions.some((a) => a.action === 'noised')).toBe(true);
    const second = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { parameters: noisy }),
      context(),
    );
    expect(second.result).toMatchObject({
      status: 'refused',
      problem: { step: 'disclosure', code: 'over-budget' },
    });
    const small = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { parameters: { privacy: { epsilon: 0.4 } } }),
      context(),
    );
    expect(small.result.status).toBe('completed');
    const without = testPermit(identity.stationId, datasetId);
    const refused = await runTask(
      await testOffer(hubKey, identity.stationId, without, { parameters: noisy }),
      context(),
    );
    expect(refused.result.problem).toMatchObject({ code: 'over-budget' });
  });

  it.each([
    ['expired', { validUntil: new Date(Date.now() - 1000).toISOString() }, 'expired'],
    [
      'for another station',
      { datasets: [{ datasetId, stationId: crypto.randomUUID() }] },
      'dataset-not-covered',
    ],
    [
      'for another dataset of this station',
      { datasets: [{ datasetId: crypto.randomUUID(), stationId: identity.stationId }] },
      'dataset-not-covered',
    ],
    ['without the algorithm', { algorithms: ['glm'] }, 'algorithm-not-covered'],
  ])('refuses a permit %s at the permit step', async (_name, changes, code) => {
    const permit = testPermit(identity.stationId, datasetId, changes);
    const outcome = await runTask(await testOffer(hubKey, identity.stationId, permit), context());
    expect(outcome.result).toMatchObject({ status: 'refused', problem: { step: 'permit', code } });
    expect(outcome.result.output).toBeUndefined();
  });

  it('refuses a revoked permit, and one signed by another key than the pinned hub key', async () => {
    const permit = testPermit(identity.stationId, datasetId);
    const revoked = await runTask(
      await testOffer(hubKey, identity.stationId, permit),
      context({ revokedPermits: new Set([permit.permitId]) }),
    );
    expect(revoked.result.problem).toMatchObject({ step: 'permit', code: 'revoked' });

    const { signPermit } = await import('@polder/protocol');
    const forged = await signPermit(permit, generateSigningKeyPair());
    const outcome = await runTask(await testOffer(hubKey, identity.stationId, forged), context());
    expect(outcome.result.problem).toMatchObject({ step: 'permit', code: 'wrong-key' });
  });

  it('refuses an algorithm the station policy does not allow, whatever the permit says', async () => {
    const policy: StationPolicy = { ...defaultStationPolicy, allowedAlgorithms: ['glm'] };
    const permit = testPermit(identity.stationId, datasetId);
    const outcome = await runTask(await testOffer(hubKey, identity.stationId, permit), context({ policy }));
    expect(outcome.result).toMatchObject({
      status: 'refused',
      problem: { step: 'policy', code: 'algorithm-not-allowed' },
    });
  });

  it('asks for approval when the policy says so, and runs once approved', async () => {
    const policy: StationPolicy = { ...defaultStationPolicy, manualApproval: ['count'] };
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const waiting = await runTask(offer, context({ policy }));
    expect(waiting.kind).toBe('pending-approval');
    expect(waiting.result.status).toBe('pending-approval');
    const approved = await runTask(offer, context({ policy, approved: true }));
    expect(approved.result.status).toBe('completed');
  });

  it('fails bad parameters before it builds the cohort, and a bad cohort with its path', async () => {
    const permit = testPermit(identity.stationId, datasetId);
    const badParameters = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { parameters: { strata: 'age' } }),
      context(),
    );
    expect(badParameters.result).toMatchObject({
      status: 'failed',
      problem: { step: 'parameters', code: 'invalid-parameters' },
    });
    const badCohort = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { cohort: { name: 'x', entry: { nothing: {} } } }),
      context(),
    );
    expect(badCohort.result).toMatchObject({
      status: 'failed',
      problem: { step: 'cohort', code: 'invalid-cohort' },
    });
    const unknown = await runTask(
      await testOffer(hubKey, identity.stationId, permit, { algorithm: { name: 'count', version: '9.9.9' } }),
      context(),
    );
    expect(unknown.result.problem).toMatchObject({ step: 'parameters', code: 'unknown-algorithm' });
  });
});

describe('openTaskOffer()', () => {
  it('accepts an offer the pinned hub signed for this station', async () => {
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    expect(openTaskOffer(offer, identity).taskId).toBe(offer.payload.taskId);
  });

  it('refuses an offer signed by another key, changed after signing, or for another station', async () => {
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const impostor = signEnvelope(offer.payload, generateSigningKeyPair());
    expect(() => openTaskOffer(impostor, identity)).toThrow(UntrustedOfferError);
    const changed = { ...offer, payload: { ...offer.payload, parameters: { strata: [] } } };
    expect(() => openTaskOffer(changed, identity)).toThrow(/signature/);
    const elsewhere = await testOffer(hubKey, crypto.randomUUID(), testPermit(identity.stationId, datasetId));
    expect(() => openTaskOffer(elsewhere, identity)).toThrow(/not this one/);
  });
});
