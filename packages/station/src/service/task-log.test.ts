import { signEnvelope, type TaskResult } from '@polder/protocol';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import {
  createTaskLogTable,
  findTaskLogEntry,
  listTaskLog,
  markResultPosted,
  recordApprovalDecision,
  receiveTask,
  recordReceivedTask,
  setTaskStatus,
  storeTaskResult,
} from './task-log.ts';
import { testFederation, testOffer, testPermit } from './_test-federation.ts';

async function openLog() {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await createTaskLogTable(connection);
  await createTaskLogTable(connection); // idempotent
  return connection;
}

const { hubKey, identity, datasetId } = testFederation();

function resultOf(taskId: string, status: TaskResult['status'], output: unknown) {
  const result: TaskResult = {
    type: 'polder.task-result.v1',
    taskId,
    stationId: identity.stationId,
    status,
    output,
    completedAt: new Date().toISOString(),
    durationMs: 1,
  };
  return signEnvelope(result, identity.keyPair);
}

describe('task log', () => {
  it('records a task once, however often it is offered', async () => {
    const connection = await openLog();
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const first = await recordReceivedTask(connection, offer, '2026-01-01T00:00:00.000Z');
    await setTaskStatus(connection, offer.payload.taskId, 'running');
    const again = await recordReceivedTask(connection, offer, '2026-01-02T00:00:00.000Z');
    expect(first.status).toBe('received');
    expect(again).toMatchObject({ status: 'running', attempts: 1, receivedAt: '2026-01-01T00:00:00.000Z' });
    expect(again.offer).toEqual(offer);
    expect(await listTaskLog(connection)).toHaveLength(1);
  });

  it('answers a new task with the entry as stored, and an offer seen before with its row', async () => {
    const connection = await openLog();
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const fresh = await receiveTask(connection, offer, '2026-01-01T00:00:00.000Z');
    expect(fresh.seenBefore).toBe(false);
    // The entry built without reading the row back is the row.
    expect(fresh.entry).toEqual(await findTaskLogEntry(connection, offer.payload.taskId));
    await setTaskStatus(connection, offer.payload.taskId, 'running');
    const again = await receiveTask(connection, offer, '2026-01-02T00:00:00.000Z');
    expect(again.seenBefore).toBe(true);
    expect(again.entry).toMatchObject({
      status: 'running',
      attempts: 1,
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await listTaskLog(connection)).toHaveLength(1);
  });

  it('keeps the first final result: a second one (other noise, a re-run) never replaces it', async () => {
    const connection = await openLog();
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const taskId = offer.payload.taskId;
    await recordReceivedTask(connection, offer, new Date().toISOString());
    const first = resultOf(taskId, 'completed', { n: 105 });
    expect(await storeTaskResult(connection, first)).toEqual(first);
    const second = resultOf(taskId, 'completed', { n: 110 });
    expect(await storeTaskResult(connection, second)).toEqual(first);
    await setTaskStatus(connection, taskId, 'running');
    const entry = await findTaskLogEntry(connection, taskId);
    expect(entry).toMatchObject({ status: 'done', resultStatus: 'completed', postedAt: null });
    await markResultPosted(connection, taskId, '2026-01-01T00:00:00.000Z');
    await markResultPosted(connection, taskId, '2026-02-01T00:00:00.000Z');
    expect((await findTaskLogEntry(connection, taskId))?.postedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('takes a steward decision only for a task that waits for one', async () => {
    const connection = await openLog();
    const offer = await testOffer(hubKey, identity.stationId, testPermit(identity.stationId, datasetId));
    const taskId = offer.payload.taskId;
    const decision = { approved: true, by: 'steward', at: new Date().toISOString() };
    expect(await recordApprovalDecision(connection, taskId, decision)).toBe(false);
    await recordReceivedTask(connection, offer, new Date().toISOString());
    expect(await recordApprovalDecision(connection, taskId, decision)).toBe(false);
    await setTaskStatus(connection, taskId, 'pending-approval');
    expect(await listTaskLog(connection, { statuses: ['pending-approval'] })).toHaveLength(1);
    expect(await recordApprovalDecision(connection, taskId, decision)).toBe(true);
    expect(await recordApprovalDecision(connection, taskId, { ...decision, approved: false })).toBe(false);
    expect(await findTaskLogEntry(connection, taskId)).toMatchObject({
      status: 'approved',
      decidedBy: 'steward',
    });
  });
});
