import { Command } from 'commander';

/** Builds the `polder` command. Each subcommand lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('polder')
    .description('Polder: a federated health-data platform. Stations keep OMOP data in the hospital.')
    .version('0.1.0')
    .showHelpAfterError();
  return program;
}
