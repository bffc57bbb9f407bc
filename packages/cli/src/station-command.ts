import { Command } from 'commander';
import {
  computeDatasetStatistics,
  enrolStation,
  openStationStore,
  publishDatasetDescription,
  readStationEnrolment,
  readStewardDescription,
} from '@polder/station';

/** `polder station …`: a station's link with the hub. */
export function stationCommand(): Command {
  const station = new Command('station').description(
    "a station's enrolment at the hub and what it publishes there",
  );
  station
    .command('enrol')
    .description('enrol this station at a hub with the one-time token its admin gave you; pins the hub key')
    .requiredOption('--station <dir>', 'station directory')
    .requiredOption('--hub <url>', "the hub's base URL")
    .requiredOption('--token <token>', 'the one-time enrolment token (a secret: it is not logged)')
    .option(
      '--hub-key-id <id>',
      'the hub key id the admin announced; enrolment fails unless the hub answers with it',
    )
    .option('--reenrol', 'enrol again (new key pair) although the station is enrolled')
    .action(
      async (options: {
        station: string;
        hub: string;
        token: string;
        hubKeyId?: string;
        reenrol?: boolean;
      }) => {
        const store = await openStationStore(options.station);
        try {
          const enrolment = await enrolStation(store, {
            hubUrl: options.hub,
            token: options.token,
            ...(options.hubKeyId === undefined ? {} : { hubKeyId: options.hubKeyId }),
            ...(options.reenrol ? { reenrol: true } : {}),
          });
          process.stdout.write(
            `enrolled at ${enrolment.hubUrl} as station ${enrolment.stationId}; hub key ${enrolment.hubKeyId} pinned\n`,
          );
        } finally {
          store.close();
        }
      },
    );
  station
    .command('publish')
    .description(
      "compute the dataset's disclosure-controlled statistics and publish them with the steward's description",
    )
    .requiredOption('--station <dir>', 'station directory')
    .requiredOption(
      '--description <file>',
      "the steward's descriptive part (JSON: title, description, themes, DUO codes, …)",
    )
    .action(async (options: { station: string; description: string }) => {
      const steward = await readStewardDescription(options.description);
      const store = await openStationStore(options.station);
      try {
        const statistics = await computeDatasetStatistics(store);
        const receipt = await publishDatasetDescription(store, { statistics, steward });
        const enrolment = await readStationEnrolment(store);
        process.stdout.write(
          `published dataset ${receipt.datasetId}${enrolment ? ` (${new URL(`/datasets/${receipt.datasetId}`, enrolment.hubUrl).href})` : ''}\n`,
        );
      } finally {
        store.close();
      }
    });
  return station;
}
