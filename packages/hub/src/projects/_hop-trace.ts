/**
 * Timestamps of a task's hops through the hub (offered, result in, stored, round advanced, progress sent), for
 * finding where a round's time goes (`scripts/bench-federation.ts` reads them). Off unless the process runs
 * with POLDER_TRACE_HOPS=1; a line holds ids and times only, never a permit, key, token or result.
 */
const enabled = process.env['POLDER_TRACE_HOPS'] === '1';

export function traceHop(hop: string, fields: Readonly<Record<string, string | number>>): void {
  if (!enabled) return;
  process.stderr.write(
    `polder-hop ${JSON.stringify({ hop, at: performance.timeOrigin + performance.now(), ...fields })}\n`,
  );
}
