import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type {
  CohortDefinition,
  CohortEntry,
  CohortExit,
  ConceptSelector,
  ConceptSetItem,
  EventCriterion,
  InclusionRule,
  OccurrenceDomain,
} from './cohort-definition.ts';
import { validateCohortDefinition, type CohortProblem } from './validate-cohort-definition.ts';

/** A part of an ATLAS cohort that has no equivalent in the cohort language, and what that means. */
export interface UnmappedFeature {
  /** JSON pointer into the ATLAS JSON. */
  readonly path: string;
  /** The ATLAS feature, e.g. `Measurement.ValueAsNumber` or `CollapseSettings`. */
  readonly feature: string;
  readonly reason: string;
}

/** What an ATLAS import yields without an entry event: the parts that did map, for a person to complete. */
export type PartialCohortDefinition = Omit<CohortDefinition, 'entry'>;

/** The result of importing an ATLAS/Circe cohort; `unmapped` lists everything left out, in both cases. */
export type CirceImport =
  | {
      readonly ok: true;
      readonly definition: CohortDefinition;
      readonly unmapped: readonly UnmappedFeature[];
    }
  | {
      readonly ok: false;
      readonly errors: readonly CohortProblem[];
      readonly unmapped: readonly UnmappedFeature[];
      readonly partial?: PartialCohortDefinition;
    };

/** Options of {@link importCirceCohort}. */
export interface ImportCirceOptions {
  /** The cohort's name. @default the wrapper's `name`, else the expression's `Title`, else 'Imported ATLAS cohort' */
  readonly name?: string;
}

const circeDomains: Readonly<Record<string, OccurrenceDomain>> = {
  ConditionOccurrence: 'condition',
  DrugExposure: 'drug',
  ProcedureOccurrence: 'procedure',
  Measurement: 'measurement',
  Observation: 'observation',
  VisitOccurrence: 'visit',
  VisitDetail: 'visitDetail',
  DeviceExposure: 'device',
  Death: 'death',
};

const conceptOnly =
  'Polder criteria select records by concept only; this restriction was left out, so the criterion matches more records';

/** Reasons for the criterion attributes that come up most, so that a person knows what they lose. */
const attributeReasons: Readonly<Record<string, string>> = {
  CorrelatedCriteria:
    'criteria nested inside a criterion are not supported; the criterion matches without them',
  First: "'first occurrence in history' on a criterion is not supported; every occurrence matches",
  OccurrenceStartDate: `date restrictions are not supported. ${conceptOnly}`,
  OccurrenceEndDate: `date restrictions are not supported. ${conceptOnly}`,
  ValueAsNumber: `value filters are not supported. ${conceptOnly}`,
  ValueAsConcept: `value filters are not supported. ${conceptOnly}`,
  Unit: `unit filters are not supported. ${conceptOnly}`,
  Age: `an age restriction on a criterion is not supported (use an age inclusion rule). ${conceptOnly}`,
  Gender: `a gender restriction on a criterion is not supported (use a sex inclusion rule). ${conceptOnly}`,
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function isEmptyGroup(group: unknown): boolean {
  if (!isObject(group)) return true;
  const lists = ['CriteriaList', 'DemographicCriteriaList', 'Groups'].map((key) => group[key]);
  return lists.every((list) => list === undefined || (Array.isArray(list) && list.length === 0));
}

/**
 * Imports an OHDSI ATLAS/Circe cohort expression (or WebAPI's `{ name, expression }` wrapper, whose expression
 * may be a JSON string) into the cohort language, for the subset that maps: concept sets (descendants,
 * excluded), primary criteria of the nine supported domains by CodesetId, the observation window, the first
 * event limit, inclusion rules of type ALL with their criteria's StartWindow in days and Occurrence (exactly,
 * at most, at least), age and gender demographics, and the DateOffset end strategy. Everything else is listed
 * in `unmapped` with the reason; nothing is dropped silently. Without an entry event the import fails, and
 * `partial` holds what did map.
 *
 * @example
 * const imported = importCirceCohort(JSON.parse(text));
 * if (imported.ok) compileCohort(imported.definition);
 */
export function importCirceCohort(json: unknown, options: ImportCirceOptions = {}): CirceImport {
  const unmapped: UnmappedFeature[] = [];
  const note = (path: string, feature: string, reason: string) => unmapped.push({ path, feature, reason });
  let expression = json;
  let wrapperName: string | undefined;
  if (isObject(json) && json['expression'] !== undefined && json['PrimaryCriteria'] === undefined) {
    wrapperName = typeof json['name'] === 'string' ? json['name'] : undefined;
    expression = json['expression'];
    if (typeof expression === 'string') {
      try {
        expression = JSON.parse(expression) as unknown;
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return fail([
          { path: '/expression', message: `Cannot import ATLAS cohort: its expression is not JSON (${why})` },
        ]);
      }
    }
  }
  if (!isObject(expression)) {
    return fail([
      { path: '', message: 'Cannot import ATLAS cohort: expected a JSON object with PrimaryCriteria' },
    ]);
  }
  const title = typeof expression['Title'] === 'string' ? expression['Title'] : undefined;
  const name =
    (options.name ?? wrapperName ?? title ?? 'Imported ATLAS cohort').slice(0, 500) ||
    'Imported ATLAS cohort';

  const handled = new Set([
    'ConceptSets',
    'PrimaryCriteria',
    'AdditionalCriteria',
    'QualifiedLimit',
    'ExpressionLimit',
    'InclusionRules',
    'EndStrategy',
    'CensoringCriteria',
    'CollapseSettings',
    'CensorWindow',
    'Title',
  ]);

  // Concept sets, by their ATLAS id.
  const conceptSets: Record<string, ConceptSetItem[]> = {};
  const setNameById = new Map<number, string>();
  const sets = Array.isArray(expression['ConceptSets']) ? expression['ConceptSets'] : [];
  sets.forEach((set: unknown, i) => {
    const path = pointer('/ConceptSets', i);
    if (!isObject(set) || typeof set['id'] !== 'number') {
      note(path, 'ConceptSet', 'a concept set without a numeric id cannot be referenced; left out');
      return;
    }
    const items: ConceptSetItem[] = [];
    const rawItems =
      isObject(set['expression']) && Array.isArray(set['expression']['items'])
        ? set['expression']['items']
        : [];
    rawItems.forEach((item: unknown, j) => {
      const itemPath = pointer(pointer(`${path}/expression`, 'items'), j);
      const concept = isObject(item) && isObject(item['concept']) ? item['concept']['CONCEPT_ID'] : undefined;
      if (!isObject(item) || typeof concept !== 'number' || !Number.isSafeInteger(concept) || concept < 0) {
        note(itemPath, 'ConceptSetItem', 'the item has no valid CONCEPT_ID; left out of the concept set');
        return;
      }
      if (item['includeMapped'] === true) {
        note(
          `${itemPath}/includeMapped`,
          'includeMapped',
          'Polder selects by standard concept; source concepts that map to this one are not added',
        );
      }
      items.push({
        concept,
        ...(item['includeDescendants'] === true ? { descendants: true } : {}),
        ...(item['isExcluded'] === true ? { exclude: true } : {}),
      });
    });
    if (items.length === 0) {
      note(path, 'ConceptSet', 'the concept set has no usable concepts; criteria that use it are left out');
      return;
    }
    let setName =
      typeof set['name'] === 'string' && set['name'].length > 0
        ? set['name'].slice(0, 180)
        : `set ${set['id']}`;
    if (Object.hasOwn(conceptSets, setName)) setName = `${setName} (id ${set['id']})`;
    conceptSets[setName] = items;
    setNameById.set(set['id'], setName);
  });

  /** A criterion `{ ConditionOccurrence: { CodesetId, … } }` as an event of the language, or undefined. */
  const mapCriterion = (criterion: unknown, path: string): EventCriterion | undefined => {
    if (!isObject(criterion)) {
      note(path, 'Criteria', 'not an object; left out');
      return undefined;
    }
    const keys = Object.keys(criterion);
    const key = keys[0];
    if (keys.length !== 1 || key === undefined) {
      note(path, 'Criteria', `expected one criterion type, found ${keys.length}; left out`);
      return undefined;
    }
    const domain = circeDomains[key];
    if (domain === undefined) {
      note(
        pointer(path, key),
        `${key} criterion`,
        `Polder has no ${key} criteria (supported: ${Object.keys(circeDomains).join(', ')}); left out`,
      );
      return undefined;
    }
    const body = criterion[key];
    const bodyPath = pointer(path, key);
    if (!isObject(body)) {
      note(bodyPath, `${key} criterion`, 'not an object; left out');
      return undefined;
    }
    let selector: ConceptSelector = {};
    for (const [attribute, value] of Object.entries(body)) {
      if (attribute === 'CodesetId') {
        if (value === null || value === undefined) continue;
        const setName = typeof value === 'number' ? setNameById.get(value) : undefined;
        if (setName === undefined) {
          note(
            pointer(bodyPath, attribute),
            `${key}.CodesetId`,
            `refers to concept set ${JSON.stringify(value)}, which did not import; the criterion is left out`,
          );
          return undefined;
        }
        selector = { conceptSet: setName };
        continue;
      }
      // Defaults that restrict nothing: an unticked 'exclude' box, an empty list, null.
      if (value === null || value === false || (Array.isArray(value) && value.length === 0)) continue;
      note(pointer(bodyPath, attribute), `${key}.${attribute}`, attributeReasons[attribute] ?? conceptOnly);
    }
    return { [domain]: selector } as EventCriterion;
  };

  // Entry.
  let entry: CohortEntry | undefined;
  const primary = expression['PrimaryCriteria'];
  const entryErrors: CohortProblem[] = [];
  if (!isObject(primary)) {
    entryErrors.push({
      path: '/PrimaryCriteria',
      message: 'Cannot import ATLAS cohort: it has no PrimaryCriteria',
    });
  } else {
    const list = Array.isArray(primary['CriteriaList']) ? primary['CriteriaList'] : [];
    const events = list
      .map((criterion: unknown, i) => mapCriterion(criterion, pointer('/PrimaryCriteria/CriteriaList', i)))
      .filter((event): event is EventCriterion => event !== undefined);
    const options: { first?: boolean; observationWindow?: { priorDays: number; postDays: number } } = {};
    const window = primary['ObservationWindow'];
    if (isObject(window)) {
      const priorDays = Number(window['PriorDays'] ?? 0);
      const postDays = Number(window['PostDays'] ?? 0);
      if (
        Number.isSafeInteger(priorDays) &&
        Number.isSafeInteger(postDays) &&
        priorDays >= 0 &&
        postDays >= 0
      ) {
        if (priorDays > 0 || postDays > 0) options.observationWindow = { priorDays, postDays };
      } else
        note(
          '/PrimaryCriteria/ObservationWindow',
          'ObservationWindow',
          'not whole non-negative days; left out',
        );
    }
    const limit = isObject(primary['PrimaryCriteriaLimit'])
      ? primary['PrimaryCriteriaLimit']['Type']
      : undefined;
    if (limit === 'First') options.first = true;
    else if (limit !== undefined && limit !== 'All') {
      note(
        '/PrimaryCriteria/PrimaryCriteriaLimit',
        `PrimaryCriteriaLimit ${String(limit)}`,
        "only 'First' and 'All' are supported; all events are used",
      );
    }
    for (const key of Object.keys(primary)) {
      if (!['CriteriaList', 'ObservationWindow', 'PrimaryCriteriaLimit'].includes(key))
        note(pointer('/PrimaryCriteria', key), `PrimaryCriteria.${key}`, 'not supported; left out');
    }
    if (events.length === 0) {
      entryErrors.push({
        path: '/PrimaryCriteria/CriteriaList',
        message:
          list.length === 0
            ? 'Cannot import ATLAS cohort: PrimaryCriteria.CriteriaList is empty, so there is no entry event'
            : 'Cannot import ATLAS cohort: none of its primary criteria maps to an entry event (see unmapped)',
      });
    } else if (events.length === 1 && events[0] !== undefined) {
      entry = { ...events[0], ...options } as CohortEntry;
    } else entry = { anyOf: events, ...options };
  }

  // Limits: the language keeps one entry per person, the earliest that passes the rules (ATLAS's 'First').
  for (const key of ['QualifiedLimit', 'ExpressionLimit'] as const) {
    const type = isObject(expression[key]) ? expression[key]['Type'] : undefined;
    if (type !== undefined && type !== 'First') {
      note(
        `/${key}`,
        `${key} ${String(type)}`,
        "Polder keeps one entry per person, the earliest that passes the inclusion rules (ATLAS's 'First')",
      );
    }
  }

  // Inclusion rules (and AdditionalCriteria, which acts as one more rule).
  const inclusion: InclusionRule[] = [];
  const usedNames = new Set<string>();
  const uniqueName = (base: string) => {
    const trimmed = base.slice(0, 180) || 'rule';
    let candidate = trimmed;
    for (let k = 2; usedNames.has(candidate); k++) candidate = `${trimmed} (${k})`;
    usedNames.add(candidate);
    return candidate;
  };
  const mapGroup = (group: unknown, path: string, ruleName: string) => {
    if (!isObject(group)) return;
    const criteria = Array.isArray(group['CriteriaList']) ? group['CriteriaList'] : [];
    const demographics = Array.isArray(group['DemographicCriteriaList'])
      ? group['DemographicCriteriaList']
      : [];
    const groups = Array.isArray(group['Groups']) ? group['Groups'] : [];
    const type = group['Type'] ?? 'ALL';
    const size = criteria.length + demographics.length + groups.length;
    if (type !== 'ALL' && !(type === 'ANY' && size === 1)) {
      note(
        path,
        `criteria group of type ${String(type)}`,
        `Polder's rules must all pass; a group of type ${String(type)} with ${size} members cannot be expressed, so the rule is left out`,
      );
      return;
    }
    groups.forEach((_: unknown, i) =>
      note(
        pointer(`${path}/Groups`, i),
        'nested criteria group',
        'nested groups are not supported; left out',
      ),
    );
    criteria.forEach((item: unknown, i) => {
      const itemPath = pointer(`${path}/CriteriaList`, i);
      if (!isObject(item)) return note(itemPath, 'correlated criterion', 'not an object; left out');
      const event = mapCriterion(item['Criteria'], `${itemPath}/Criteria`);
      if (event === undefined) return;
      const rule: Record<string, unknown> = { ...event };
      const start = item['StartWindow'];
      if (isObject(start)) {
        const end = (side: unknown) => {
          if (!isObject(side) || side['Days'] === undefined || side['Days'] === null) return undefined;
          return Number(side['Days']) * (Number(side['Coeff'] ?? 1) < 0 ? -1 : 1);
        };
        const fromDays = end(start['Start']);
        const toDays = end(start['End']);
        const window = {
          ...(fromDays === undefined ? {} : { fromDays }),
          ...(toDays === undefined ? {} : { toDays }),
        };
        if (Object.keys(window).length > 0) rule['window'] = window;
        if (start['UseEventEnd'] === true)
          note(
            `${itemPath}/StartWindow/UseEventEnd`,
            'StartWindow.UseEventEnd',
            "Polder windows compare the record's start date; the start date is used",
          );
        if (start['UseIndexEnd'] === true)
          note(
            `${itemPath}/StartWindow/UseIndexEnd`,
            'StartWindow.UseIndexEnd',
            'Polder windows are relative to the index date; the index date is used',
          );
      }
      for (const key of ['EndWindow', 'RestrictVisit'] as const) {
        const value = item[key];
        if (value !== undefined && value !== null && value !== false)
          note(pointer(itemPath, key), key, 'not supported; the criterion is used without it');
      }
      const occurrence = item['Occurrence'];
      if (isObject(occurrence)) {
        const count = Number(occurrence['Count'] ?? 1);
        const kind = occurrence['Type'];
        if (occurrence['IsDistinct'] === true)
          note(
            `${itemPath}/Occurrence/IsDistinct`,
            'Occurrence.IsDistinct',
            'counting distinct values is not supported; all records are counted',
          );
        if (kind === 0) rule['occurrences'] = { min: count, max: count };
        else if (kind === 1) rule['occurrences'] = { min: 0, max: count };
        else if (kind === 2) {
          if (count === 0) {
            note(`${itemPath}/Occurrence`, 'Occurrence at least 0', 'always met, so the rule is left out');
            return;
          }
          if (count !== 1) rule['occurrences'] = { min: count };
        } else
          note(
            `${itemPath}/Occurrence/Type`,
            `Occurrence.Type ${String(kind)}`,
            'unknown occurrence type; at least 1 is used',
          );
      }
      rule['name'] = uniqueName(ruleName);
      inclusion.push(rule as InclusionRule);
    });
    demographics.forEach((demographic: unknown, i) => {
      const demoPath = pointer(`${path}/DemographicCriteriaList`, i);
      if (!isObject(demographic)) return;
      for (const [key, value] of Object.entries(demographic)) {
        if (value === null || (Array.isArray(value) && value.length === 0)) continue;
        if (key === 'Age' && isObject(value)) {
          const age = mapAge(value);
          if (age === undefined)
            note(
              pointer(demoPath, key),
              `Age ${String(value['Op'])}`,
              'this age comparison is not supported; left out',
            );
          else inclusion.push({ name: uniqueName(`${ruleName}: age`), age });
          continue;
        }
        if (key === 'Gender' && Array.isArray(value)) {
          const ids = value.map((g: unknown) => (isObject(g) ? g['CONCEPT_ID'] : undefined));
          if (ids.length === 1 && (ids[0] === 8507 || ids[0] === 8532)) {
            inclusion.push({ name: uniqueName(`${ruleName}: sex`), sex: ids[0] });
          } else if (!(ids.length === 2 && ids.includes(8507) && ids.includes(8532))) {
            note(
              pointer(demoPath, key),
              'Gender',
              `only male (8507) or female (8532) can be required; ${JSON.stringify(ids)} is left out`,
            );
          }
          continue;
        }
        note(
          pointer(demoPath, key),
          `demographic ${key}`,
          'not supported (Polder has age and sex only); left out',
        );
      }
    });
  };

  if (!isEmptyGroup(expression['AdditionalCriteria'])) {
    mapGroup(expression['AdditionalCriteria'], '/AdditionalCriteria', 'additional criteria');
  }
  const rules = Array.isArray(expression['InclusionRules']) ? expression['InclusionRules'] : [];
  rules.forEach((rule: unknown, i) => {
    const path = pointer('/InclusionRules', i);
    const ruleName = isObject(rule) && typeof rule['name'] === 'string' ? rule['name'] : `rule ${i + 1}`;
    if (!isObject(rule) || isEmptyGroup(rule['expression'])) {
      note(
        path,
        'inclusion rule',
        `rule ${JSON.stringify(ruleName)} has no criteria, so it excludes nobody; left out`,
      );
      return;
    }
    mapGroup(rule['expression'], `${path}/expression`, ruleName);
  });

  // Exit.
  let exit: CohortExit | undefined;
  const end = expression['EndStrategy'];
  if (isObject(end)) {
    const offset = end['DateOffset'];
    if (isObject(offset) && Number.isSafeInteger(offset['Offset']) && Number(offset['Offset']) >= 0) {
      exit = {
        fixedDays: Number(offset['Offset']),
        from: offset['DateField'] === 'EndDate' ? 'end' : 'start',
      };
    } else {
      for (const key of Object.keys(end))
        note(
          pointer('/EndStrategy', key),
          `EndStrategy ${key}`,
          'only DateOffset is supported; persons stay until their observation period ends',
        );
    }
  }

  const censoring = Array.isArray(expression['CensoringCriteria']) ? expression['CensoringCriteria'] : [];
  censoring.forEach((_: unknown, i) =>
    note(pointer('/CensoringCriteria', i), 'censoring event', 'censoring events are not supported; left out'),
  );
  if (
    isObject(expression['CensorWindow']) &&
    Object.values(expression['CensorWindow']).some((v) => v !== null)
  ) {
    note('/CensorWindow', 'CensorWindow', 'a calendar censor window is not supported; left out');
  }
  if (isObject(expression['CollapseSettings'])) {
    note(
      '/CollapseSettings',
      'CollapseSettings',
      `ignored: Polder keeps one entry per person, so there are no eras to collapse (EraPad ${String(expression['CollapseSettings']['EraPad'] ?? 0)})`,
    );
  }
  for (const key of Object.keys(expression)) {
    if (handled.has(key)) continue;
    note(
      pointer('', key),
      key,
      key === 'cdmVersionRange'
        ? 'ignored: Polder compiles cohorts for its own CDM 5.4 database'
        : 'not a feature the importer knows; left out',
    );
  }

  const partial: PartialCohortDefinition = {
    name,
    ...(Object.keys(conceptSets).length > 0 ? { conceptSets } : {}),
    ...(inclusion.length > 0 ? { inclusion } : {}),
    ...(exit === undefined ? {} : { exit }),
  };
  if (entry === undefined) return { ok: false, errors: entryErrors, unmapped, partial };
  const { name: _name, conceptSets: _sets, ...rest } = partial;
  const checked = validateCohortDefinition({
    name,
    ...(_sets === undefined ? {} : { conceptSets }),
    entry,
    ...rest,
  });
  if (!checked.ok) return { ok: false, errors: checked.errors, unmapped, partial };
  return { ok: true, definition: checked.definition, unmapped };

  function fail(errors: CohortProblem[]): CirceImport {
    return { ok: false, errors, unmapped };
  }
}

function mapAge(value: Record<string, unknown>): { min?: number; max?: number } | undefined {
  const v = value['Value'];
  const extent = value['Extent'];
  if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
  const clamp = (n: number) => Math.min(150, Math.max(0, n));
  switch (value['Op']) {
    case 'gt':
      return { min: clamp(v + 1) };
    case 'gte':
      return { min: clamp(v) };
    case 'lt':
      return { max: clamp(v - 1) };
    case 'lte':
      return { max: clamp(v) };
    case 'eq':
      return { min: clamp(v), max: clamp(v) };
    case 'bt':
      return typeof extent === 'number' && Number.isInteger(extent)
        ? { min: clamp(v), max: clamp(extent) }
        : undefined;
    default:
      return undefined;
  }
}

/** The result of {@link parseCirceText}. */
export type CirceText =
  | { readonly ok: true; readonly json: unknown }
  | { readonly ok: false; readonly errors: readonly CohortProblem[] };

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const length =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

/**
 * Decodes and parses the bytes of an ATLAS cohort file. Invalid UTF-8 (a file saved as Latin-1, say) is
 * reported with the offending byte and its offset, never replaced silently; so is invalid JSON.
 */
export function parseCirceText(bytes: Uint8Array, fileName = 'the cohort file'): CirceText {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const byte = bytes[offset];
    const at =
      offset >= 0 && byte !== undefined
        ? ` (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset})`
        : '';
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `Cannot import ${fileName}: it is not valid UTF-8${at}; save it as UTF-8 (ATLAS exports are UTF-8) and import it again`,
        },
      ],
    };
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [{ path: '', message: `Cannot import ${fileName}: it is not valid JSON (${why})` }],
    };
  }
}

/** Reads an ATLAS cohort file and imports it ({@link parseCirceText}, then {@link importCirceCohort}). */
export async function importCirceCohortFile(
  path: string,
  options: ImportCirceOptions = {},
): Promise<CirceImport> {
  const fileName = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ path: '', message: `Cannot import ${fileName}: ${why}` }], unmapped: [] };
  }
  const parsed = parseCirceText(bytes, fileName);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, unmapped: [] };
  return importCirceCohort(parsed.json, options);
}
