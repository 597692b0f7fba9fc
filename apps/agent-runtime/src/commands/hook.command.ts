import { Command } from 'commander';
import { ClaudeCodeHookServer } from '../agents/claude-code/hook-server';
import type { HookInput } from '../agents/claude-code/hook-decisions';
import { CliExit, clientOf, print, storeOf } from './command-context';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// `steward-agent hook claude-code`: one hook call of Claude Code's command type, input on stdin,
// decision on stdout; the same answer `sync` gives over HTTP, for checking a decision by hand or
// for an install that cannot run sync (each call then starts a process: slower).
export function hookCommand(): Command {
  return new Command('hook')
    .description("answer one of a governed agent's hooks (input on stdin, decision on stdout)")
    .argument('<agent>', 'the governed agent: claude-code')
    .action(async (agent: string, _options, command: Command) => {
      if (agent !== 'claude-code') throw new CliExit(`no governed agent ${agent}`, 2);
      const store = storeOf(command);
      const enrolment = store.enrolment();
      let input: HookInput;
      try {
        input = JSON.parse(await readStdin()) as HookInput;
      } catch {
        throw new CliExit('the hook input on stdin is not JSON', 2);
      }
      if (!enrolment) {
        // Exit code 2 is Claude Code's "block"; the reason goes to stderr.
        throw new CliExit('Steward: this computer is not enrolled', 2);
      }
      const hooks = new ClaudeCodeHookServer(store, enrolment, clientOf(enrolment));
      print(JSON.stringify(await hooks.answer(input)));
    });
}
