import fc from 'fast-check';
import {
  ageBands,
  DatasetDescription,
  generateSigningKeyPair,
  omopDomainTables,
  sexCategories,
  signEnvelope,
  signText,
  stationAuthText,
  stationSessionHeader,
  type SigningKeyPair,
} from '@polder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../_test-hub.ts';
import { Compile } from 'typebox/compile';
import { answerChallenge, enrolStationRecord, insertStation, issueChallenge } from './_station-records.ts';

/**
 * The hub-wide fuzz test sends its requests as a signed-in user, which the station protocol routes refuse
 * before their handlers run. Here the same kind of input comes anonymously, as from a station, and shaped
 * closely enough (well-formed keys, signatures, ids, a live session) to reach the handlers' checks.
 */

const runs = Number(process.env['POLDER_FUZZ_RUNS'] ?? 20);
const base64url = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));

/** A count after disclosure control: suppressed, or a multiple of 5. */
const controlled = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 0, max: 200_000 }).map((n) => n * 5),
);
const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const yearMonth = fc
  .tuple(fc.integer({ min: 1900, max: 2099 }), fc.integer({ min: 1, max: 12 }))
  .map(([year, month]) => `${year}-${String(month).padStart(2, '0')}`);
const cells = <K extends string>(keys: readonly K[]) =>
  fc
    .uniqueArray(fc.constantFrom(...keys), { maxLength: keys.length })
    .chain((chosen) => fc.tuple(...chosen.map((key) => controlled.map((persons) => ({ key, persons })))));

/** Dataset descriptions that fit the schema, in their variety (the generic generator's rarely do). */
const fittingDescription = fc.record(
  {
    statistics: fc.record(
      {
        computedAt: instant,
        cdmVersion: fc.constant('5.4' as const),
        disclosureControl: fc.record({
          minCount: fc.integer({ min: 8, max: 1000 }),
          roundTo: fc.integer({ min: 5, max: 1000 }),
        }),
        persons: controlled,
        records: controlled,
        typicalAge: fc.record({
          min: fc.integer({ min: 0, max: 150 }),
          max: fc.integer({ min: 0, max: 150 }),
        }),
        sex: cells(sexCategories),
        age: cells(ageBands),
        timeCoverage: fc.record({ start: yearMonth, end: yearMonth }),
        codingSystems: fc.array(
          fc.record({ vocabularyId: fc.string({ minLength: 1, maxLength: 40 }), records: controlled }),
          { maxLength: 3 },
        ),
        domains: fc.uniqueArray(fc.constantFrom(...omopDomainTables), { maxLength: 3 }).chain((tables) =>
          fc.tuple(
            ...tables.map((table) =>
              fc.record({
                table: fc.constant(table),
                records: controlled,
                persons: controlled,
                topConcepts: fc.constant([]),
              }),
            ),
          ),
        ),
      },
      {
        requiredKeys: [
          'computedAt',
          'cdmVersion',
          'disclosureControl',
          'persons',
          'records',
          'sex',
          'age',
          'codingSystems',
          'domains',
        ],
      },
    ),
  },
  { requiredKeys: ['statistics'] },
);

let hub: TestHub;
let station: { id: string; key: SigningKeyPair; session: string };

beforeAll(async () => {
  hub = await createTestHub();
  const now = hub.context.now();
  const { token } = await insertStation(
    hub.db,
    { name: 'Fuzzed', organisationId: null, createdBy: null },
    { now, tokenMs: 60_000 },
  );
  const key = generateSigningKeyPair();
  const request = {
    type: 'polder.station-enrolment-request.v1' as const,
    token,
    stationPublicKey: key.publicKey,
    stationName: 'Fuzzed',
    stationVersion: '0.1.0',
  };
  const enrolled = await enrolStationRecord(hub.db, signEnvelope(request, key), now);
  if ('refused' in enrolled) throw new Error(enrolled.message);
  const challenge = await issueChallenge(hub.db, enrolled.id, { now, challengeMs: 60_000 });
  if ('refused' in challenge) throw new Error(challenge.message);
  const signature = signText(key, stationAuthText(enrolled.id, challenge.nonce));
  const session = await answerChallenge(
    hub.db,
    { stationId: enrolled.id, nonce: challenge.nonce, signature },
    { now, sessionMs: 60 * 60_000 },
  );
  if ('refused' in session) throw new Error(session.message);
  station = { id: enrolled.id, key, session: session.token };
});
afterAll(() => hub.close());

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return hub.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

describe('station protocol routes under fuzzing (anonymous, as stations)', () => {
  it('POST /api/station-enrolment refuses random tokens, keys and signatures with 400 or 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        base64url(43),
        fc.oneof(fc.constant(undefined), base64url(43)),
        fc.string({ maxLength: 250 }),
        fc.boolean(),
        async (token, randomKey, name, signProperly) => {
          const key = generateSigningKeyPair();
          const payload = {
            type: 'polder.station-enrolment-request.v1',
            token,
            stationPublicKey: randomKey ?? key.publicKey,
            stationName: name,
            stationVersion: '0.1.0',
          };
          const envelope = signProperly
            ? signEnvelope(payload, key)
            : { payload, signature: `${'A'.repeat(85)}A`, keyId: key.keyId };
          const response = await post('/api/station-enrolment', envelope);
          expect([400, 401], response.body).toContain(response.statusCode);
        },
      ),
      { numRuns: runs },
    );
  });

  it('POST /api/station-auth/challenge and /response refuse strangers with 400 or 401', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), base64url(43), base64url(86), async (stationId, nonce, signature) => {
        const challenge = await post('/api/station-auth/challenge', { stationId });
        expect([400, 401], challenge.body).toContain(challenge.statusCode);
        const answer = await post('/api/station-auth/response', { stationId, nonce, signature });
        expect([400, 401], answer.body).toContain(answer.statusCode);
        const ours = await post('/api/station-auth/response', { stationId: station.id, nonce, signature });
        expect([400, 401], ours.body).toContain(ours.statusCode);
      }),
      { numRuns: runs },
    );
  });

  it('a description with a NUL character is a 400, and the station may publish again afterwards', async () => {
    const publish = (vocabularyId: string) => {
      const description = {
        statistics: {
          computedAt: '2026-01-01T00:00:00.000Z',
          cdmVersion: '5.4' as const,
          disclosureControl: { minCount: 8, roundTo: 5 },
          persons: 100,
          records: 0,
          sex: [],
          age: [],
          codingSystems: [{ vocabularyId, records: 10 }],
          domains: [],
        },
      };
      const payload = {
        type: 'polder.dataset-description.v1' as const,
        stationId: station.id,
        publishedAt: hub.context.now().toISOString(),
        description,
      };
      return post(`/api/stations/${station.id}/dataset-description`, signEnvelope(payload, station.key), {
        [stationSessionHeader]: station.session,
      });
    };
    expect((await publish('SNOMED\u0000')).statusCode).toBe(400);
    expect((await publish('SNOMED')).statusCode).toBe(200);
  });

  it('the description generator fits the schema', () => {
    const validator = Compile(DatasetDescription);
    for (const description of fc.sample(fittingDescription, 100))
      expect(validator.Check(description)).toBe(true);
  });

  it('POST /api/stations/:id/dataset-description stores signed random descriptions, refuses foreign keys', async () => {
    await fc.assert(
      fc.asyncProperty(fittingDescription, fc.boolean(), async (description, ownKey) => {
        const payload = {
          type: 'polder.dataset-description.v1',
          stationId: station.id,
          publishedAt: hub.context.now().toISOString(),
          description,
        };
        const envelope = signEnvelope(payload, ownKey ? station.key : generateSigningKeyPair());
        const response = await post(`/api/stations/${station.id}/dataset-description`, envelope, {
          [stationSessionHeader]: station.session,
        });
        expect(response.statusCode, response.body).toBe(ownKey ? 200 : 401);
      }),
      { numRuns: runs },
    );
  });
});
