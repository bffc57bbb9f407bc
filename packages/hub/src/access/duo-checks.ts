import { duoCodes, type DuoCode } from '@polder/protocol';
import type { ApplicationForm } from './application-form.ts';

/** The outcome of one data-use condition against an application's purpose. */
export type DuoOutcome = 'ok' | 'warning' | 'block';

/** One dataset's one DUO code, checked. */
export interface DuoCheck {
  readonly datasetId: string;
  readonly code: string;
  readonly outcome: DuoOutcome;
  readonly message: string;
}

/** What a dataset brings to the check: its DUO codes and the words that name its disease focus. */
export interface DatasetConditions {
  readonly datasetId: string;
  readonly title: string;
  readonly dataUseConditions: readonly string[];
  /** Keywords and health categories: what a disease-specific dataset is about. */
  readonly topics: readonly string[];
}

/** Research grounds: (a) public health, (e) scientific research. */
const researchGrounds = new Set(['a', 'e']);
/** Grounds that are not research at all: (d) education, (f) improving care for others. */
const nonResearchGrounds = new Set(['d', 'f']);

const mentions = (text: string, pattern: RegExp) => pattern.test(text);
const ancestry = /\b(ancestr\w*|population origins?|genetic origins?)\b/i;
const genetic = /\b(genetic\w*|genomic\w*|genes?|gwas|sequenc\w*)\b/i;
const methods = /\b(method\w*|algorithm\w*|software|tool development|benchmark\w*)\b/i;

type Rule = (context: {
  readonly ground: string | undefined;
  readonly description: string;
  readonly organisationType: string | undefined;
  readonly dataset: DatasetConditions;
}) => { outcome: DuoOutcome; message: string };

const ok = (message: string) => ({ outcome: 'ok' as const, message });
const warning = (message: string) => ({ outcome: 'warning' as const, message });
const block = (message: string) => ({ outcome: 'block' as const, message });

/** A research-only permission: fine for research grounds, a question for policy and statistics, not for the rest. */
function researchOnly(name: string): Rule {
  return ({ ground }) => {
    if (ground === undefined) return warning(`${name}: choose the purpose ground to check this condition`);
    if (researchGrounds.has(ground)) return ok(`${name}: ground (${ground}) is research use`);
    if (nonResearchGrounds.has(ground)) {
      return block(`${name}: the dataset is for research only, and ground (${ground}) is not research`);
    }
    return warning(`${name}: ground (${ground}) is research only if the work is; the reviewer decides`);
  };
}

/** Not-for-profit / non-commercial: a commercial applicant is blocked; an undeclared one warned. */
function nonCommercial(name: string): Rule {
  return ({ organisationType }) => {
    if (organisationType === 'commercial')
      return block(`${name}: a commercial organisation may not use this dataset`);
    if (organisationType === undefined) {
      return warning(
        `${name}: state the organisation type (applicant.organisationType) to check this condition`,
      );
    }
    return ok(`${name}: the applicant is a ${organisationType} organisation`);
  };
}

/** An obligation the applicant takes on; the reviewer checks the plan for it. */
function obligation(name: string, what: string): Rule {
  return () => warning(`${name}: ${what}`);
}

/**
 * The mapping of each DUO code to a rule, with the reason in its message. A block stops submission; a
 * warning is shown to the applicant and the reviewer, who weigh it.
 */
export const duoRules: Readonly<Record<DuoCode, Rule>> = {
  'DUO:0000004': () => ok('No restriction'),
  'DUO:0000042': researchOnly('General research use'),
  'DUO:0000006': researchOnly('Health, medical or biomedical research'),
  // Disease-specific: the purpose must name the disease the dataset is about (its keywords or categories).
  'DUO:0000007': ({ description, dataset }) => {
    const named = dataset.topics.find(
      (topic) => topic.length >= 3 && description.toLowerCase().includes(topic.toLowerCase()),
    );
    return named === undefined
      ? warning(
          `Disease-specific research only: name the disease in the purpose (the dataset is about ${dataset.topics.slice(0, 5).join(', ') || 'a specific disease'})`,
        )
      : ok(`Disease-specific research: the purpose names ${named}`);
  },
  'DUO:0000011': ({ description }) =>
    mentions(description, ancestry)
      ? ok('Population origins or ancestry research only: the purpose is ancestry research')
      : block('Population origins or ancestry research only: the purpose does not describe such research'),
  'DUO:0000044': ({ description }) =>
    mentions(description, ancestry)
      ? block('Population origins or ancestry research is prohibited, and the purpose describes it')
      : ok('Population origins or ancestry research prohibited: the purpose does not describe it'),
  'DUO:0000012': obligation(
    'Research-specific restrictions',
    "read the dataset's terms; the reviewer checks them",
  ),
  'DUO:0000015': ({ description }) =>
    mentions(description, methods)
      ? warning('No general methods research: the purpose mentions methods development; the reviewer decides')
      : ok('No general methods research: the purpose does not describe methods development'),
  'DUO:0000016': ({ description }) =>
    mentions(description, genetic)
      ? ok('Genetic studies only: the purpose is a genetic study')
      : block('Genetic studies only: the purpose does not describe a genetic study'),
  'DUO:0000018': nonCommercial('Not for profit, non-commercial use only'),
  'DUO:0000045': nonCommercial('Not-for-profit organisations only'),
  'DUO:0000046': nonCommercial('Non-commercial use only'),
  'DUO:0000019': obligation('Publication required', 'the results must be published'),
  'DUO:0000020': obligation('Collaboration required', "the dataset's holder must be a collaborator"),
  'DUO:0000021': obligation('Ethics approval required', 'attach the approval of an ethics committee'),
  'DUO:0000022': obligation('Geographical restriction', 'use only in the permitted region'),
  'DUO:0000024': obligation('Publication moratorium', 'no publication before the moratorium ends'),
  'DUO:0000025': obligation('Time limit on use', 'the dataset may be used for a limited period only'),
  'DUO:0000026': obligation('User-specific restriction', 'only approved users may use the dataset'),
  'DUO:0000027': obligation('Project-specific restriction', 'only the approved project may use the dataset'),
  'DUO:0000028': obligation(
    'Institution-specific restriction',
    'only approved institutions may use the dataset',
  ),
  'DUO:0000029': obligation('Return to the resource', 'derived data must be returned to the dataset holder'),
  'DUO:0000043': () => ok('Clinical care use is allowed'),
};

/**
 * Checks every dataset's DUO codes against the application's purpose (ground and description) and
 * organisation type. Unknown codes give a warning, so that a newer code is looked at rather than ignored.
 */
export function checkDataUse(form: ApplicationForm, datasets: readonly DatasetConditions[]): DuoCheck[] {
  const context = {
    ground: form.purpose?.ground,
    description: form.purpose?.description ?? '',
    organisationType: form.applicant?.organisationType,
  };
  const checks: DuoCheck[] = [];
  for (const dataset of datasets) {
    for (const code of dataset.dataUseConditions) {
      const rule = code in duoCodes ? duoRules[code as DuoCode] : undefined;
      const result =
        rule === undefined
          ? warning(`Unknown data-use condition ${code}: the reviewer checks it`)
          : rule({ ...context, dataset });
      checks.push({ datasetId: dataset.datasetId, code, ...result });
    }
  }
  return checks;
}

/** The blocks among the checks, as messages naming the dataset. */
export function duoBlocks(checks: readonly DuoCheck[], datasets: readonly DatasetConditions[]): string[] {
  const titles = new Map(datasets.map((d) => [d.datasetId, d.title]));
  return checks
    .filter((check) => check.outcome === 'block')
    .map((check) => `${titles.get(check.datasetId) ?? check.datasetId} (${check.code}): ${check.message}`);
}
