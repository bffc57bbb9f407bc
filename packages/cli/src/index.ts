import { CommanderError } from 'commander';
import { buildProgram } from './program.ts';

/**
 * Runs the `polder` command line and returns the process exit code. Errors are reported once, here, as a
 * message a person can act on (with the cause chain), never as a stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync([...argv]);
    // A command that found a problem (e.g. `audit verify`) sets process.exitCode instead of throwing.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`polder: ${describeError(error)}\n`);
    return 1;
  }
}

function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current !== undefined && parts.length < 5) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
