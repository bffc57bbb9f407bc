import { Command } from 'commander';
import { demoCommand } from './demo-command.ts';
import { dqCommand } from './dq-command.ts';
import { auditCommand, hubCommand, totpCommand } from './hub-command.ts';
import { ingestCommand } from './ingest-command.ts';
import { addStationLocalCommands } from './opt-out-command.ts';
import { stationCommand } from './station-command.ts';
import { synthCommand } from './synth-command.ts';
import { vocabCommand } from './vocab-command.ts';

/** Builds the `polder` command. Each subcommand lives in its own file and registers itself here. */
export function buildProgram(): Command {
  return new Command('polder')
    .description('Polder: a federated health-data platform. Stations keep OMOP data in the hospital.')
    .version('0.1.0')
    .showHelpAfterError()
    .addCommand(demoCommand())
    .addCommand(synthCommand())
    .addCommand(ingestCommand())
    .addCommand(dqCommand())
    .addCommand(vocabCommand())
    .addCommand(hubCommand())
    .addCommand(addStationLocalCommands(stationCommand()))
    .addCommand(auditCommand())
    .addCommand(totpCommand());
}
