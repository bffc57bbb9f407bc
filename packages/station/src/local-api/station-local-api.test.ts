import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listStationAudit,
  localApiTokenFile,
  openStationStore,
  optedOutPersons,
  recordTaskUsage,
  startStationLocalApi,
  type StationLocalApi,
  type StationStore,
} from '../index.ts';
import { ingestTestPatients, personIdOf } from '../opt-out/_test-station.ts';

let root: string;
let store: StationStore;
let api: StationLocalApi;
let token: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'polder-local-api-'));
  store = await openStationStore(join(root, 'station'), { threads: 1, name: 'Test Hospital & Co' });
  await ingestTestPatients(store, ['9000001', '9000002'], join(root, 'export'));
  await store.connection.run(`CREATE TEMPORARY TABLE cohort AS SELECT person_id FROM cdm.person`);
  await recordTaskUsage(store, {
    taskId: 'task-1',
    projectId: 'project-1',
    projectTitle: 'ICU readmissions <script>alert(1)</script>',
    permitId: 'permit-1',
    purpose: 'e',
    cohortTable: 'cohort',
    now: new Date('2026-02-03T10:00:00Z'),
  });
  api = await startStationLocalApi(store, { port: 0 });
  token = (await readFile(join(store.dir, localApiTokenFile), 'utf8')).trim();
});
afterAll(async () => {
  await api.close();
  store.close();
  await rm(root, { recursive: true, force: true });
});

function postForm(path: string, fields: [string, string][], headers: Record<string, string> = {}) {
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('the patient page', () => {
  it('listens on 127.0.0.1 by default and asks for the patient number, under a strict policy', async () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${api.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="patient-number">');
    expect(html).toContain('Test Hospital &amp; Co');
  });

  it('shows the projects that used the record, escaped, and lets the patient opt out per purpose', async () => {
    const shown = await postForm('/patient', [['patientNumber', '9000001']]);
    expect(shown.status).toBe(200);
    const page = await shown.text();
    expect(page).toContain('ICU readmissions &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect(page).toContain('2026-02-03');
    expect(page).not.toMatch(/value="e" checked/);

    const saved = await postForm('/patient/choices', [
      ['patientNumber', '9000001'],
      ['optOut', 'e'],
      ['optOut', 'b'],
    ]);
    const after = await saved.text();
    expect(after).toContain('Your choices are saved.');
    expect(after).toMatch(/value="e" checked/);
    expect(after).toMatch(/value="b" checked/);
    expect(after).not.toMatch(/value="a" checked/);
    const person = await personIdOf(store, '9000001');
    expect(await optedOutPersons(store, { purpose: 'e', grantedAt: new Date(Date.now() + 1000) })).toContain(
      person,
    );

    const unticked = await (
      await postForm('/patient/choices', [
        ['patientNumber', '9000001'],
        ['optOut', 'b'],
      ])
    ).text();
    expect(unticked).not.toMatch(/value="e" checked/);
    expect(
      await optedOutPersons(store, { purpose: 'e', grantedAt: new Date(Date.now() + 1000) }),
    ).not.toContain(person);
    const audit = await listStationAudit(store, { limit: 50 });
    expect(audit.map((entry) => entry.event)).toEqual(
      expect.arrayContaining(['patient-page.read', 'opt-out.record', 'opt-out.withdraw']),
    );
    expect(JSON.stringify(audit)).not.toContain('9000001');
  });

  it('tells a patient who entered nothing what to do, and refuses a form from another site', async () => {
    const empty = await postForm('/patient', [['patientNumber', '  ']]);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Please enter your patient number.');
    const foreign = await postForm('/patient', [['patientNumber', '9000002']], {
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
  });
});

describe("the steward's API", () => {
  const auth = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  it('keeps its token in a file only the owner can read, and refuses (and audits) requests without it', async () => {
    expect((await stat(join(store.dir, localApiTokenFile))).mode & 0o777).toBe(0o600);
    const refused = await fetch(`${api.url}/api/opt-outs`, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorised');
    const [latest] = await listStationAudit(store, { limit: 1, event: 'local-api' });
    expect(latest).toMatchObject({
      event: 'local-api.refused',
      outcome: 'refused',
      objectId: 'GET /api/opt-outs',
    });
  });

  it('records, lists and withdraws opt-outs, and answers bad input with a 400', async () => {
    const bad = await fetch(`${api.url}/api/opt-outs`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ sourceIdentifier: '9000002', purposes: ['x'] }),
    });
    expect(bad.status).toBe(400);
    const recorded = await fetch(`${api.url}/api/opt-outs`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({
        sourceIdentifier: '9000002',
        purposes: ['all'],
        steward: { id: 's-7', name: 'Sam Steward' },
      }),
    });
    expect(recorded.status).toBe(200);
    expect(await recorded.json()).toMatchObject({ changed: ['all'], unchanged: [] });
    const list = (await (await fetch(`${api.url}/api/opt-outs`, { headers: auth() })).json()) as {
      optOuts: { purpose: string; recordedBy: string; pseudonym: string }[];
    };
    expect(list.optOuts).toContainEqual(
      expect.objectContaining({ purpose: 'all', recordedBy: 'steward:s-7' }),
    );
    expect(JSON.stringify(list)).not.toContain('9000002');
    const withdrawn = await fetch(`${api.url}/api/opt-outs/withdraw`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ sourceIdentifier: '9000002', purposes: ['all'] }),
    });
    expect(await withdrawn.json()).toMatchObject({ changed: ['all'] });
  });

  it('reads and verifies the audit log', async () => {
    const page = (await (
      await fetch(`${api.url}/api/audit?limit=3&event=opt-out`, { headers: auth() })
    ).json()) as {
      entries: { event: string }[];
    };
    expect(page.entries).toHaveLength(3);
    for (const entry of page.entries) expect(entry.event).toMatch(/^opt-out\./);
    const verified = await (await fetch(`${api.url}/api/audit/verify`, { headers: auth() })).json();
    expect(verified).toMatchObject({ ok: true, problems: [] });
    expect((await fetch(`${api.url}/api/audit?limit=0`, { headers: auth() })).status).toBe(400);
  });
});
