import type { AlgorithmRef } from '@polder/protocol';
import type { AlgorithmInfo, AnyAlgorithm } from './algorithm.ts';
import { countAlgorithm } from './algorithms/count.ts';
import { crosstabAlgorithm } from './algorithms/crosstab.ts';
import { glmAlgorithm } from './algorithms/glm.ts';
import { kaplanMeierAlgorithm } from './algorithms/kaplan-meier.ts';
import { summaryAlgorithm } from './algorithms/summary.ts';

/** The vetted library: every algorithm a station may run, by name@version. */
const algorithms: readonly AnyAlgorithm[] = Object.freeze([
  countAlgorithm,
  summaryAlgorithm,
  crosstabAlgorithm,
  glmAlgorithm,
  kaplanMeierAlgorithm,
]);

const byRef = new Map(algorithms.map((a) => [`${a.name}@${a.version}`, a]));

/** The algorithm registered under `ref` (exact name and version), or undefined. */
export function findAlgorithm(ref: AlgorithmRef): AnyAlgorithm | undefined {
  return byRef.get(`${ref.name}@${ref.version}`);
}

/** Every registered algorithm's description (name, version, title, parameter schema, output kinds, rounds). */
export function listAlgorithms(): AlgorithmInfo[] {
  return algorithms.map(({ name, version, title, description, parameters, outputKinds, rounds }) => ({
    name,
    version,
    title,
    description,
    parameters,
    outputKinds,
    rounds,
  }));
}
