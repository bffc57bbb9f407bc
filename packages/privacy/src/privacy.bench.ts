/**
 * Throughput of the discrete samplers and of controlTable, as JSON lines:
 * `npx tsx packages/privacy/src/privacy.bench.ts`.
 */
import { controlTable } from './control-table.ts';
import { sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { cryptoRandomSource, seededRandomSource } from './random-source.ts';

function time(name: string, runs: number, run: () => void, extra: Record<string, unknown> = {}): void {
  const start = performance.now();
  for (let i = 0; i < runs; i++) run();
  const ms = performance.now() - start;
  console.log(
    JSON.stringify({
      bench: name,
      runs,
      ms: Math.round(ms),
      perSecond: Math.round((runs / ms) * 1000),
      ...extra,
    }),
  );
}

const crypto = cryptoRandomSource();
for (const scale of [1, 10, 1000]) {
  time('sampleDiscreteLaplace', 20_000, () => sampleDiscreteLaplace(scale, crypto), { scale });
}
for (const sigmaSquared of [1, 100, 1e6]) {
  time('sampleDiscreteGaussian', 20_000, () => sampleDiscreteGaussian(sigmaSquared, crypto), {
    sigmaSquared,
  });
}
const rng = seededRandomSource('bench');
for (const size of [5, 20, 40]) {
  const table = Array.from({ length: size }, () =>
    Array.from({ length: size }, () =>
      rng.nextUint32() % 4 === 0 ? rng.nextUint32() % 8 : rng.nextUint32() % 300,
    ),
  );
  time('controlTable', 5, () => controlTable(table), { rows: size, columns: size });
}
