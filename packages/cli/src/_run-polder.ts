import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = new URL('../bin/polder.js', import.meta.url).pathname;

/** Runs the `polder` command as a user would (a child process through its bin), for the CLI's tests. */
export function runPolder(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { maxBuffer: 64 * 1024 * 1024 });
}
