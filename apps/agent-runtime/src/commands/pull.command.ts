import { Command } from 'commander';
import { CliExit, enrolled, print, pullOnce, storeOf } from './command-context';

export function pullCommand(): Command {
  return new Command('pull')
    .description('pull the policy bundle once, verify it and report status')
    .action(async (_options, command: Command) => {
      const store = storeOf(command);
      const outcome = await pullOnce(store, enrolled(store));
      if (!outcome.verified) {
        throw new CliExit(
          `bundle refused: ${outcome.reason} (${outcome.detail}); keeping the last good one`,
          3,
        );
      }
      print(
        outcome.changed
          ? `policy bundle version ${outcome.version} verified and stored`
          : `policy bundle version ${outcome.version} is current`,
      );
    });
}
