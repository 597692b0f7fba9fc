import { Command } from 'commander';
import { governClaudeCode } from '../agents/claude-code/govern';
import { ClaudeCodeHookServer } from '../agents/claude-code/hook-server';
import { BundleManager } from '../control-plane/bundle-manager';
import { EventSpool } from '../control-plane/event-spool';
import { clientOf, enrolled, print, storeOf } from './command-context';

export function syncCommand(): Command {
  return new Command('sync')
    .description('keep the policy bundle current (long-poll) and upload events, until stopped')
    .option('--wait <seconds>', 'long-poll duration', (v) => Number(v), 55)
    .option(
      '--hook-port <port>',
      "loopback port for Claude Code's hooks (default: any free one)",
      (v) => Number(v),
      0,
    )
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      const enrolment = enrolled(store);
      const client = clientOf(enrolment);
      const spool = new EventSpool(store.spoolDir());
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      // Claude Code is governed while sync runs: its hooks are answered here, and its managed
      // files follow every bundle (and the bundle's expiry, checked each 30 s).
      const hooks = new ClaudeCodeHookServer(store, enrolment, client);
      const hookUrl = await hooks.listen(options.hookPort);
      const govern = () =>
        governClaudeCode(store, enrolment, client, hookUrl).catch((error: unknown) =>
          print(`claude code: managed settings not written: ${String(error)}`),
        );
      await govern();
      print(`claude code: hooks at ${hookUrl}`);
      const expiry = setInterval(() => void govern(), 30_000);
      try {
        await new BundleManager(store, enrolment).sync(client, {
          signal: stop.signal,
          waitSeconds: options.wait,
          onPull: (outcome) => {
            if (outcome.changed) print(`policy bundle version ${outcome.version} verified`);
            if (!outcome.verified)
              print(`policy bundle refused: ${outcome.reason} (${outcome.detail})`);
            void govern().then(() => spool.flush(client));
          },
          onError: (error, retryInMs) =>
            print(`control plane: ${error.message}; retrying in ${Math.round(retryInMs / 1000)} s`),
        });
      } finally {
        clearInterval(expiry);
        await hooks.close();
      }
    });
}
