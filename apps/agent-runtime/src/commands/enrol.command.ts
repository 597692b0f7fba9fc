import os from 'node:os';
import { Command } from 'commander';
import { enrolEndpoint, TrustAnchorRefused } from '../control-plane/enrolment';
import { CliExit, currentOs, print, pullOnce, storeOf } from './command-context';

export function enrolCommand(): Command {
  return new Command('enrol')
    .description('enrol this computer with the control plane and fetch the first policy bundle')
    .requiredOption('--server <url>', 'control plane URL')
    .requiredOption('--token <token>', 'enrolment token (stw_enrol_…)')
    .requiredOption('--user <user>', 'your user name in the organization’s directory')
    .option('--device-name <name>', 'name shown to admins', os.hostname())
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      const enrolment = await enrolEndpoint(store, { ...options, os: currentOs() }).catch(
        (error: unknown) => {
          throw error instanceof TrustAnchorRefused ? new CliExit(error.message, 3) : error;
        },
      );
      print(`enrolled as endpoint ${enrolment.endpointId} (state in ${store.dir})`);
      const outcome = await pullOnce(store, enrolment);
      print(
        outcome.verified
          ? `policy bundle version ${outcome.version} verified`
          : `policy bundle refused: ${outcome.reason} (${outcome.detail})`,
      );
    });
}
