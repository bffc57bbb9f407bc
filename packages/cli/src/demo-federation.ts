import type { StewardDescription } from '@polder/protocol';
import {
  computeDatasetStatistics,
  enrolStation,
  publishDatasetDescription,
  readStationEnrolment,
  recordPublishedDataset,
  type StationStore,
} from '@polder/station';
import { HOSPITAL_PROFILES, type HospitalId } from '@polder/synth';
import { totpCode, type DemoAccount } from '@polder/hub';

/** The demo's access body: one health data access body for the region. */
const accessBody = {
  name: 'Health Data Access Body Amsterdam (demo)',
  type: 'national-authority',
  contact: { name: 'HDAB helpdesk', email: 'hdab@demo.polder.test' },
} as const;

const hospitalDetails: Readonly<
  Record<HospitalId, { keywords: string[]; duo: StewardDescription['dataUseConditions']; about: string }>
> = {
  A: {
    keywords: ['intensive care', 'sepsis', 'COVID-19', 'vital signs', 'ICU readmission'],
    duo: ['DUO:0000006', 'DUO:0000019'],
    about:
      'Admissions, intensive-care stays with hourly vital signs and laboratory results, diagnoses, medication and procedures of an academic hospital. Rich in sepsis and COVID-19 intensive care.',
  },
  B: {
    keywords: ['emergency department', 'COPD', 'heart failure', 'elderly'],
    duo: ['DUO:0000042'],
    about:
      'Emergency visits and admissions of a general hospital serving an older population, with diagnoses, medication, procedures and ICU stays.',
  },
  C: {
    keywords: ['cardiology', 'pulmonology', 'myocardial infarction', 'atrial fibrillation'],
    duo: ['DUO:0000006', 'DUO:0000018'],
    about:
      'Admissions of a heart and lung clinic: myocardial infarction, atrial fibrillation, COPD and COVID-19, with laboratory results and intensive-care stays.',
  },
};

/** The steward's descriptive part of a demo hospital's dataset. */
export function demoStewardDescription(hospital: HospitalId): StewardDescription {
  const profile = HOSPITAL_PROFILES[hospital];
  const details = hospitalDetails[hospital];
  const slug = `hospital-${hospital.toLowerCase()}`;
  return {
    title: `${profile.name}: hospital care 2019–2025 (synthetic)`,
    description: `${details.about} Synthetic data made by Polder's generator for the demo; mapped to OMOP CDM 5.4.`,
    keywords: details.keywords,
    themes: ['HEAL'],
    healthCategories: ['EHRS'],
    accessRights: 'restricted',
    dataUseConditions: details.duo,
    populationCoverage: `Patients treated at ${profile.name}, Amsterdam region, 2019–2025.`,
    contactPoint: { name: `Data steward, ${profile.name}`, email: `steward@${slug}.demo.polder.test` },
    publisher: {
      name: profile.name,
      type: 'inpatient-institute',
      contact: { email: `datadesk@${slug}.demo.polder.test` },
    },
    accessBody: { ...accessBody, contact: { ...accessBody.contact } },
  };
}

/** An admin's session on the hub over its HTTP API (password, then the TOTP code). */
export async function signInAsAdmin(hubUrl: string, admin: DemoAccount): Promise<string> {
  const signIn = await fetch(new URL('/api/session', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  if (!signIn.ok)
    throw new Error(`Cannot sign in as the demo admin: ${signIn.status} ${await signIn.text()}`);
  const cookie = cookiesOf(signIn);
  if (admin.totpSecret === undefined) return cookie;
  const totp = await fetch(new URL('/api/session/totp', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ code: totpCode(admin.totpSecret, Date.now()) }),
  });
  if (!totp.ok)
    throw new Error(`Cannot complete the demo admin's second factor: ${totp.status} ${await totp.text()}`);
  return cookiesOf(totp) || cookie;
}

/** The cookies a response sets, as a Cookie request header (name=value pairs only). */
function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/**
 * Enrols a demo station at the hub (an admin creates it and hands over the one-time token, as a real admin
 * would) unless it is enrolled there already, then publishes its dataset description.
 */
export async function enrolAndPublish(
  store: StationStore,
  hospital: HospitalId,
  hub: { readonly url: string; readonly adminCookie: () => Promise<string> },
): Promise<{ readonly stationId: string; readonly datasetId: string; readonly enrolledNow: boolean }> {
  const existing = await readStationEnrolment(store);
  let stationId = existing?.stationId;
  const enrolledNow = existing === undefined || existing.hubUrl !== hub.url;
  if (enrolledNow) {
    const created = await fetch(new URL('/api/stations', hub.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: await hub.adminCookie() },
      body: JSON.stringify({ name: HOSPITAL_PROFILES[hospital].name }),
    });
    if (!created.ok)
      throw new Error(`Cannot create the demo station: ${created.status} ${await created.text()}`);
    const { enrolmentToken } = (await created.json()) as { enrolmentToken: string };
    const enrolment = await enrolStation(store, {
      hubUrl: hub.url,
      token: enrolmentToken,
      reenrol: existing !== undefined,
    });
    stationId = enrolment.stationId;
  }
  const statistics = await computeDatasetStatistics(store);
  const receipt = await publishDatasetDescription(store, {
    statistics,
    steward: demoStewardDescription(hospital),
  });
  // The station service refuses permits that name none of the datasets the station published.
  await recordPublishedDataset(store, receipt.datasetId);
  return { stationId: stationId ?? '', datasetId: receipt.datasetId, enrolledNow };
}
