import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vocabularyNeeds } from './_concepts.ts';
import { simulatePatient, WINDOW_END, WINDOW_START } from './_simulate.ts';
import { TempDirs } from './_test-helpers.ts';
import { generateHospital } from './generate-hospital.ts';

/** A FHIR resource as read back (only the fields the checks look at are typed loosely). */
type Resource = Record<string, unknown> & { resourceType: string; id: string };
interface Coding {
  system?: string;
  code?: string;
}

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const SEED = 17;
/** Resources of hospital A, one array per Bundle. */
const bundles: Resource[][] = [];
/** Resources of hospital B. */
const bulk: Resource[] = [];

beforeAll(async () => {
  const outA = await dirs.make();
  await generateHospital({ hospital: 'A', patients: 120, seed: SEED, outDir: outA });
  for (const name of (await readdir(join(outA, 'bundles'))).sort()) {
    const bundle = JSON.parse(await readFile(join(outA, 'bundles', name), 'utf8')) as {
      entry: { fullUrl: string; resource: Resource; request: { method: string; url: string } }[];
    };
    for (const e of bundle.entry) {
      expect(e.fullUrl).toBe(`urn:uuid:${e.resource.id}`);
      expect(e.request.url).toBe(e.resource.resourceType);
      expect(e.request.method).toBe('POST');
    }
    bundles.push(bundle.entry.map((e) => e.resource));
  }
  const outB = await dirs.make();
  await generateHospital({ hospital: 'B', patients: 150, seed: SEED, outDir: outB });
  for (const name of (await readdir(outB)).filter((n) => n.endsWith('.ndjson')).sort()) {
    for (const line of (await readFile(join(outB, name), 'utf8')).split('\n')) {
      if (line !== '') bulk.push(JSON.parse(line) as Resource);
    }
  }
}, 120_000);

const SYSTEM_TO_VOCABULARY: Readonly<Record<string, string>> = {
  'http://snomed.info/sct': 'SNOMED',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://unitsofmeasure.org': 'UCUM',
};
const KNOWN_CODES = new Set(vocabularyNeeds.map((n) => `${n.vocabularyId}|${n.conceptCode}`));

/** Every object anywhere inside `value`, depth first. */
function* walk(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const v of value) yield* walk(v);
  else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    yield obj;
    for (const v of Object.values(obj)) yield* walk(v);
  }
}

const ref = (r: Resource, field: string): string | undefined =>
  (r[field] as { reference?: string } | undefined)?.reference;
const time = (s: unknown): number => Date.parse(String(s));

/** Problems found; the tests assert that none were (one `expect` per resource would be slow). */
const issues: string[] = [];
function check(ok: boolean, what: string, r: { resourceType: string; id: string }): void {
  if (!ok && issues.length < 50) issues.push(`${r.resourceType}/${r.id}: ${what}`);
}
const isOneOf = (value: unknown, allowed: readonly string[]): boolean => allowed.includes(String(value));

/** Checks the fields FHIR R4 requires (and the ones this project's readers rely on). */
function checkRequiredFields(r: Resource): void {
  check(/^[A-Za-z0-9\-.]{1,64}$/.test(r.id), 'id is not a FHIR id', r);
  const codingOf = (field: string): Coding[] => (r[field] as { coding?: Coding[] } | undefined)?.coding ?? [];
  switch (r.resourceType) {
    case 'Patient':
      check(isOneOf(r.gender, ['male', 'female', 'other', 'unknown']), 'gender', r);
      check(/^\d{4}-\d{2}-\d{2}$/.test(String(r.birthDate)), 'birthDate', r);
      break;
    case 'Encounter': {
      check(
        isOneOf(r.status, [
          'planned',
          'arrived',
          'triaged',
          'in-progress',
          'onleave',
          'finished',
          'cancelled',
        ]),
        'status',
        r,
      );
      const cls = r.class as Coding | undefined;
      check(cls?.system === 'http://terminology.hl7.org/CodeSystem/v3-ActCode', 'class.system', r);
      check(isOneOf(cls?.code, ['IMP', 'ACUTE', 'EMER', 'AMB']), 'class.code', r);
      check(ref(r, 'subject') !== undefined, 'subject', r);
      const period = r.period as { start: string; end: string };
      check(time(period.start) <= time(period.end), 'period ends before it starts', r);
      break;
    }
    case 'Condition':
      check(ref(r, 'subject') !== undefined, 'subject', r);
      check(codingOf('code')[0]?.system === 'http://snomed.info/sct', 'code', r);
      check(isOneOf(codingOf('clinicalStatus')[0]?.code, ['active', 'resolved']), 'clinicalStatus', r);
      check(codingOf('verificationStatus')[0]?.code === 'confirmed', 'verificationStatus', r);
      break;
    case 'Observation': {
      check(isOneOf(r.status, ['registered', 'preliminary', 'final', 'amended']), 'status', r);
      check(codingOf('code')[0]?.system === 'http://loinc.org', 'code', r);
      check(ref(r, 'subject') !== undefined, 'subject', r);
      check(typeof r.effectiveDateTime === 'string', 'effectiveDateTime', r);
      const category = (r.category as { coding: Coding[] }[] | undefined)?.[0]?.coding[0]?.code;
      check(isOneOf(category, ['vital-signs', 'laboratory']), 'category', r);
      const quantities = r.valueQuantity
        ? [r.valueQuantity]
        : ((r.component as { valueQuantity: unknown }[] | undefined) ?? []).map((c) => c.valueQuantity);
      check(quantities.length > 0, 'no value', r);
      for (const q of quantities as { value: unknown; system: string; code: string }[]) {
        check(typeof q.value === 'number' && q.system === 'http://unitsofmeasure.org', 'valueQuantity', r);
      }
      break;
    }
    case 'MedicationRequest':
      check(
        isOneOf(r.status, [
          'active',
          'on-hold',
          'cancelled',
          'completed',
          'entered-in-error',
          'stopped',
          'draft',
          'unknown',
        ]),
        'status',
        r,
      );
      check(r.intent === 'order', 'intent', r);
      check(
        codingOf('medicationCodeableConcept')[0]?.system === 'http://www.nlm.nih.gov/research/umls/rxnorm',
        'medication',
        r,
      );
      check(ref(r, 'subject') !== undefined, 'subject', r);
      break;
    case 'MedicationAdministration':
      check(r.status === 'completed', 'status', r);
      check(
        codingOf('medicationCodeableConcept')[0]?.system === 'http://www.nlm.nih.gov/research/umls/rxnorm',
        'medication',
        r,
      );
      check(ref(r, 'subject') !== undefined, 'subject', r);
      check(typeof r.effectiveDateTime === 'string', 'effectiveDateTime', r);
      break;
    case 'Procedure':
      check(r.status === 'completed', 'status', r);
      check(ref(r, 'subject') !== undefined, 'subject', r);
      check(codingOf('code')[0]?.system === 'http://snomed.info/sct', 'code', r);
      break;
    case 'Organization':
      check(typeof r.name === 'string', 'name', r);
      break;
    default:
      check(false, 'unexpected resource type', r);
  }
}

/** Runs the checks that hold within one patient's (or the whole export's) resources. */
function checkConsistency(
  resources: readonly Resource[],
  resolve: (reference: string) => Resource | undefined,
): void {
  const now = Date.now();
  for (const r of resources) {
    checkRequiredFields(r);
    for (const obj of walk(r)) {
      if (typeof obj.reference === 'string')
        check(resolve(obj.reference) !== undefined, `unresolved ${obj.reference}`, r);
      if (typeof obj.system === 'string' && typeof obj.code === 'string') {
        const vocabulary = SYSTEM_TO_VOCABULARY[obj.system];
        if (vocabulary !== undefined) {
          check(
            KNOWN_CODES.has(`${vocabulary}|${obj.code}`),
            `${obj.system}|${obj.code} not in vocabularyNeeds`,
            r,
          );
        }
      }
    }
    if (r.resourceType === 'Patient') {
      check(time(r.birthDate) < now, 'born in the future', r);
      if (r.deceasedDateTime !== undefined) {
        check(time(r.deceasedDateTime) > time(r.birthDate), 'died before birth', r);
        check(time(r.deceasedDateTime) <= WINDOW_END, 'died after the window', r);
      }
      continue;
    }
    const subjectRef = ref(r, 'subject');
    const patient = subjectRef === undefined ? undefined : resolve(subjectRef);
    if (patient === undefined) continue;
    const birth = time(patient.birthDate);
    const death = patient.deceasedDateTime === undefined ? Infinity : time(patient.deceasedDateTime);
    const times: number[] = [];
    for (const key of [
      'effectiveDateTime',
      'authoredOn',
      'recordedDate',
      'onsetDateTime',
      'abatementDateTime',
    ]) {
      if (r[key] !== undefined) times.push(time(r[key]));
    }
    for (const key of ['period', 'performedPeriod']) {
      const p = r[key] as { start: string; end: string } | undefined;
      if (p) times.push(time(p.start), time(p.end));
    }
    for (const t of times) {
      check(!Number.isNaN(t), 'unparseable date', r);
      check(t > birth, 'dated before birth', r);
      check(t <= Math.min(now, WINDOW_END), 'dated in the future or after the window', r);
      check(t <= death, 'dated after death', r);
      if (r.resourceType !== 'Condition') check(t >= WINDOW_START, 'dated before 2019', r);
    }
    // Measurements, doses and procedures fall inside their encounter (vitals inside the ICU stay).
    const encounterRef = ref(r, 'encounter') ?? ref(r, 'context');
    const encounter = encounterRef === undefined ? undefined : resolve(encounterRef);
    if (encounter !== undefined && r.resourceType !== 'Condition' && r.resourceType !== 'MedicationRequest') {
      const period = encounter.period as { start: string; end: string };
      const performed = r.performedPeriod as { start: string; end: string } | undefined;
      const when = time(r.effectiveDateTime ?? performed?.start);
      check(when >= time(period.start) && when <= time(period.end), 'outside its encounter', r);
      if (performed) check(time(performed.end) <= time(period.end), 'ends after its encounter', r);
    }
    // An ICU stay is an Encounter inside an inpatient Encounter, typed as an intensive care unit.
    if (r.resourceType === 'Encounter' && (r.class as Coding).code === 'ACUTE') {
      const parent = resolve(ref(r, 'partOf') ?? '');
      check(
        (parent?.class as Coding | undefined)?.code === 'IMP',
        'ICU stay not part of an inpatient stay',
        r,
      );
      const type = (r.type as { coding: Coding[] }[] | undefined)?.[0]?.coding[0];
      check(type?.system === 'http://snomed.info/sct' && type.code === '309904001', 'ICU type', r);
      const own = r.period as { start: string; end: string };
      const outer = parent?.period as { start: string; end: string } | undefined;
      check(
        outer !== undefined && time(own.start) >= time(outer.start) && time(own.end) <= time(outer.end),
        'ICU stay outside its hospital stay',
        r,
      );
    }
  }
}

describe('FHIR output', () => {
  it('hospital A: every Bundle is complete, its references resolve inside it, its dates are plausible', () => {
    expect(bundles.length).toBe(120);
    for (const resources of bundles) {
      const byUrn = new Map(resources.map((r) => [`urn:uuid:${r.id}`, r]));
      checkConsistency(resources, (reference) => byUrn.get(reference));
      expect(resources.filter((r) => r.resourceType === 'Patient')).toHaveLength(1);
    }
    expect(issues).toEqual([]);
  });

  it('hospital B: every resource is complete, its references resolve in the export, its dates are plausible', () => {
    const byRef = new Map(bulk.map((r) => [`${r.resourceType}/${r.id}`, r]));
    expect(byRef.size).toBe(bulk.length);
    checkConsistency(bulk, (reference) => byRef.get(reference));
    expect(issues).toEqual([]);
    expect(bulk.filter((r) => r.resourceType === 'Patient')).toHaveLength(150);
  });

  it('the checks themselves catch a broken resource', () => {
    const patient = { resourceType: 'Patient', id: 'p', gender: 'male', birthDate: '1950-01-01' };
    const stay = {
      resourceType: 'Encounter',
      id: 'e',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ACUTE' },
      subject: { reference: 'Patient/p' },
      period: { start: '2020-01-01T00:00:00Z', end: '2020-01-02T00:00:00Z' },
    };
    const late = {
      resourceType: 'Observation',
      id: 'o',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: 'Patient/p' },
      encounter: { reference: 'Encounter/e' },
      effectiveDateTime: '2020-01-03T00:00:00Z',
      valueQuantity: { value: 80, system: 'http://unitsofmeasure.org', code: '/min' },
    };
    const resources = [patient, stay, late] as Resource[];
    const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    checkConsistency(resources, (reference) => byRef.get(reference));
    const found = issues.splice(0);
    expect(found).toContain('Observation/o: status');
    expect(found).toContain('Observation/o: outside its encounter');
    expect(found).toContain('Encounter/e: ICU stay not part of an inpatient stay');
  });

  it('writes hourly ICU vital signs and deaths', () => {
    const all = [...bundles.flat(), ...bulk];
    const icu = all.filter((r) => r.resourceType === 'Encounter' && (r.class as Coding).code === 'ACUTE');
    expect(icu.length).toBeGreaterThan(10);
    expect(all.some((r) => r.resourceType === 'Patient' && r.deceasedDateTime !== undefined)).toBe(true);
    const heartRates = all.filter(
      (r) =>
        r.resourceType === 'Observation' && (r.code as { coding: Coding[] }).coding[0]?.code === '8867-4',
    );
    const perIcuStay = new Map<string, number>();
    for (const o of heartRates) {
      const e = ref(o, 'encounter') ?? '';
      perIcuStay.set(e, (perIcuStay.get(e) ?? 0) + 1);
    }
    for (const stay of icu) {
      const period = stay.period as { start: string; end: string };
      const hours = (time(period.end) - time(period.start)) / 3_600_000;
      const key = bundles.flat().includes(stay) ? `urn:uuid:${stay.id}` : `Encounter/${stay.id}`;
      expect(perIcuStay.get(key) ?? 0).toBeGreaterThanOrEqual(Math.floor(hours));
    }
  });

  it('hospital B: the ICU discharge state behind each readmission can be read back from the export', () => {
    const byRef = new Map(bulk.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const observationsByEncounter = new Map<string, Resource[]>();
    const sepsisStays = new Set<string>();
    for (const r of bulk) {
      const e = ref(r, 'encounter');
      if (e === undefined) continue;
      if (r.resourceType === 'Observation') {
        const list = observationsByEncounter.get(e) ?? [];
        list.push(r);
        observationsByEncounter.set(e, list);
      }
      if (r.resourceType === 'Condition' && (r.code as { coding: Coding[] }).coding[0]?.code === '91302008')
        sepsisStays.add(e);
    }
    const last = (obs: readonly Resource[], loinc: string): number => {
      const matching = obs
        .filter((o) => (o.code as { coding: Coding[] }).coding[0]?.code === loinc)
        .sort((a, b) => time(a.effectiveDateTime) - time(b.effectiveDateTime));
      return (matching.at(-1)?.valueQuantity as { value: number }).value;
    };
    let checked = 0;
    for (let i = 0; i < 150; i++) {
      const p = simulatePatient('B', SEED, i);
      for (const e of p.encounters) {
        if (e.readmission === undefined) continue;
        const encounter = byRef.get(`Encounter/${e.id}`);
        expect(encounter).toBeDefined();
        const obs = observationsByEncounter.get(`Encounter/${e.id}`) ?? [];
        const patient = byRef.get(`Patient/${p.id}`);
        const birth = new Date(String(patient?.birthDate));
        const end = new Date(String((encounter?.period as { end: string }).end));
        let age = end.getUTCFullYear() - birth.getUTCFullYear();
        if (end.getUTCMonth() * 100 + end.getUTCDate() < birth.getUTCMonth() * 100 + birth.getUTCDate())
          age--;
        expect({
          age,
          lastHeartRate: last(obs, '8867-4'),
          lastSpo2: last(obs, '59408-5'),
          lastLactate: last(obs, '32693-4'),
          sepsis: sepsisStays.has(ref(encounter as Resource, 'partOf') ?? ''),
        }).toEqual(e.readmission.state);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});
