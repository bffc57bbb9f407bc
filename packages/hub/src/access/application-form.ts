import { Type, type Static } from 'typebox';
import { BoundedString, StrictObject, Uuid } from '../schema.ts';

const Text = (max: number) => Type.String({ maxLength: max });

/** The Art. 53(1) grounds, (a) to (f). */
export const PurposeGround = Type.Union([
  Type.Literal('a'),
  Type.Literal('b'),
  Type.Literal('c'),
  Type.Literal('d'),
  Type.Literal('e'),
  Type.Literal('f'),
]);

/** What kind of organisation applies: DUO's not-for-profit and non-commercial conditions read it. */
export const organisationTypes = ['public', 'academic', 'non-profit', 'commercial'] as const;

/** The analysis a data request (EHDS Art. 69) asks the federation to compute. */
export const DataRequestAnalysis = StrictObject({
  /** A cohort definition in Polder's cohort language (validated when the federation compiles it). */
  cohort: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 }),
  algorithm: StrictObject({
    name: BoundedString(63, { pattern: '^[a-z][a-z0-9-]{0,62}$' }),
    version: BoundedString(40),
  }),
  parameters: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 }),
});

/**
 * An application's form: the sections of EHDS Art. 67. Every field is optional so that a draft can be
 * saved half done; {@link missingSections} says what a submission still lacks.
 */
export const ApplicationForm = StrictObject({
  publicSummary: Type.Optional(Text(5000)),
  applicant: Type.Optional(
    StrictObject({
      name: Type.Optional(Text(200)),
      organisation: Type.Optional(Text(300)),
      email: Type.Optional(Text(254)),
      role: Type.Optional(Text(200)),
      organisationType: Type.Optional(Type.Enum(organisationTypes)),
    }),
  ),
  team: Type.Optional(
    Type.Array(StrictObject({ name: Text(200), organisation: Text(300), role: Text(200) }), {
      maxItems: 50,
    }),
  ),
  purpose: Type.Optional(
    StrictObject({ ground: Type.Optional(PurposeGround), description: Type.Optional(Text(10_000)) }),
  ),
  datasets: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
  /** The datasets whose terms of use the applicant accepts. */
  acceptedTerms: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
  dataToBeLinked: Type.Optional(Text(5000)),
  processing: Type.Optional(
    StrictObject({ environment: Type.Optional(Text(5000)), safeguards: Type.Optional(Text(5000)) }),
  ),
  requestedAnalyses: Type.Optional(Text(10_000)),
  analysis: Type.Optional(DataRequestAnalysis),
  duration: Type.Optional(StrictObject({ months: Type.Integer({ minimum: 1, maximum: 120 }) })),
  // The permit names at most 200 users: these and the applicant.
  namedUsers: Type.Optional(Type.Array(Uuid, { maxItems: 199 })),
});
/** An application's form (see {@link ApplicationForm}). */
export type ApplicationForm = Static<typeof ApplicationForm>;

/** Kind of application: a permit (Art. 68) or a data request for anonymised statistics (Art. 69). */
export type ApplicationKind = 'permit' | 'data-request';

/** A section a submission still lacks: its path in the form and what to do. */
export interface MissingSection {
  readonly section: string;
  readonly message: string;
}

const filled = (text: string | undefined, min = 1): boolean =>
  text !== undefined && text.trim().length >= min;

/**
 * The completeness check of a submission: every section of Art. 67 that the kind needs, terms accepted for
 * every dataset, and for a data request the analysis. Empty when the form may be submitted.
 */
export function missingSections(form: ApplicationForm, kind: ApplicationKind): MissingSection[] {
  const missing: MissingSection[] = [];
  const need = (ok: boolean, section: string, message: string) => {
    if (!ok) missing.push({ section, message });
  };
  need(filled(form.publicSummary, 20), 'publicSummary', 'write a public summary (at least 20 characters)');
  need(filled(form.applicant?.name), 'applicant.name', 'name the applicant');
  need(filled(form.applicant?.organisation), 'applicant.organisation', "name the applicant's organisation");
  need(filled(form.applicant?.email), 'applicant.email', "give the applicant's e-mail address");
  need(form.purpose?.ground !== undefined, 'purpose.ground', 'choose the Art. 53(1) ground');
  need(
    filled(form.purpose?.description, 20),
    'purpose.description',
    'describe the purpose (at least 20 characters)',
  );
  const datasets = form.datasets ?? [];
  need(datasets.length > 0, 'datasets', 'choose at least one dataset');
  const accepted = new Set(form.acceptedTerms ?? []);
  for (const id of datasets)
    need(accepted.has(id), `acceptedTerms.${id}`, `accept the terms of dataset ${id}`);
  need(filled(form.processing?.environment), 'processing.environment', 'describe the processing environment');
  need(filled(form.processing?.safeguards), 'processing.safeguards', 'describe the safeguards');
  need(form.duration !== undefined, 'duration.months', 'state the duration in months');
  if (kind === 'data-request') {
    need(form.analysis !== undefined, 'analysis', 'state the analysis: cohort, algorithm and parameters');
  } else {
    need(filled(form.requestedAnalyses), 'requestedAnalyses', 'describe the analyses you will run');
    need((form.namedUsers ?? []).length > 0, 'namedUsers', 'name at least one user');
  }
  return missing;
}
