// The part of autocannon (untyped) the catalogue benchmark uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    requests?: readonly { method?: string; path: string; headers?: Record<string, string> }[];
  }
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  function autocannon(options: Options): EventEmitter & PromiseLike<Result>;
  export default autocannon;
}
