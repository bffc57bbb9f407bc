import { validateCohortDefinition } from '@polder/omop';

/** One problem of a definition: where (a JSON pointer) and what to change. */
export interface DefinitionProblem {
  readonly path: string;
  readonly message: string;
}

/** The outcome of a check: the definition, or every problem found. */
export type DefinitionCheck =
  | { readonly ok: true; readonly definition: Record<string, unknown> }
  | { readonly ok: false; readonly errors: readonly DefinitionProblem[] };

const maxDefinitionBytes = 200_000;

/**
 * Checks a cohort definition with the cohort language's own validator (`@polder/omop`): its shape, and what
 * a schema cannot say (concept sets referenced exist, windows in order, variable names valid and distinct).
 * The stations compile it with the same language and refuse what it refuses (step 'cohort').
 */
export function checkCohortDefinition(input: unknown): DefinitionCheck {
  const checked = validateCohortDefinition(input);
  if (!checked.ok) return { ok: false, errors: checked.errors };
  if (JSON.stringify(input).length > maxDefinitionBytes) {
    return {
      ok: false,
      errors: [{ path: '', message: `must be at most ${maxDefinitionBytes} characters as JSON` }],
    };
  }
  return { ok: true, definition: checked.definition as unknown as Record<string, unknown> };
}

/**
 * Checks a set of variable definitions (name → variable, as in a cohort's `variables`) with the cohort
 * language's validator, by checking them inside a minimal cohort; problems point into the set.
 */
export function checkVariableDefinitions(input: unknown): DefinitionCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'must be an object of named variables' }] };
  }
  const carrier = { name: 'variables', entry: { visit: { concept: 9201 } }, variables: input };
  const checked = validateCohortDefinition(carrier);
  if (!checked.ok) {
    return {
      ok: false,
      errors: checked.errors.map((problem) => ({
        path: problem.path.startsWith('/variables') ? problem.path.slice('/variables'.length) : problem.path,
        message: problem.message,
      })),
    };
  }
  if (JSON.stringify(input).length > maxDefinitionBytes) {
    return {
      ok: false,
      errors: [{ path: '', message: `must be at most ${maxDefinitionBytes} characters as JSON` }],
    };
  }
  return { ok: true, definition: input as Record<string, unknown> };
}

/** "/entry must be an object …; /variables/x …", for an error message. */
export function describeProblems(problems: readonly DefinitionProblem[]): string {
  const shown = problems.slice(0, 5).map((problem) => `${problem.path || '(root)'} ${problem.message}`);
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return `${shown.join('; ')}${more}`;
}
