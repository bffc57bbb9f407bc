import { SingleBar, Presets } from 'cli-progress';

/** A progress display on stderr: a bar on a terminal, a line every few seconds otherwise (CI logs). */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/** Starts a progress display for `label`; `total` may be unknown (streaming input) and set later. */
export function startProgress(label: string, total?: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      {
        format:
          total === undefined
            ? `${label} {value} records | {rate}/s`
            : `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s`,
        stream: process.stderr,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total ?? 0, 0, { rate: 0 });
    return {
      update(done, newTotal) {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        const seconds = (Date.now() - started) / 1000;
        bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds) : 0 });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let latest = 0;
  let latestTotal = total;
  const started = Date.now();
  const print = (): void => {
    const seconds = (Date.now() - started) / 1000;
    const of = latestTotal === undefined ? '' : `/${latestTotal}`;
    process.stderr.write(`${label} ${latest}${of} (${Math.round(latest / Math.max(seconds, 0.001))}/s)\n`);
  };
  return {
    update(done, newTotal) {
      latest = done;
      if (newTotal !== undefined) latestTotal = newTotal;
      if (Date.now() - last > 5000) {
        last = Date.now();
        print();
      }
    },
    stop: print,
  };
}
