import os from 'node:os';
import { Command } from 'commander';
import { governedAccount } from '../session/account-home';
import { enrolEndpoint, TrustAnchorRefused } from '../control-plane/enrolment';
import { CliExit, currentOs, print, pullOnce, storeOf } from './command-context';

export function enrolCommand(): Command {
  return new Command('enrol')
    .description('enrol this computer with the control plane and fetch the first policy bundle')
    .requiredOption('--server <url>', 'control plane URL')
    .requiredOption('--token <token>', 'enrolment token (stw_enrol_…)')
    .requiredOption('--user <user>', 'your user name in the organization’s directory')
    .option('--device-name <name>', 'name shown to admins', os.hostname())
    .option(
      '--account <login>',
      "the person's local account, when the runtime runs as a system service (default: this one)",
    )
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      // Refused before enrolling when the account is not in the user database.
      try {
        if (options.account) governedAccount(options.account as string);
      } catch (error) {
        throw new CliExit((error as Error).message, 2);
      }
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
