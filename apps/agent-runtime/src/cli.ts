import { Command } from 'commander';
import { RUNTIME_VERSION } from './control-plane/bundle-manager';
import { ControlPlaneError } from './control-plane/control-plane-client';
import { defaultStateDir } from './control-plane/state-store';
import { CliExit } from './commands/command-context';
import { enrolCommand } from './commands/enrol.command';
import { hookCommand } from './commands/hook.command';
import { otelHeadersCommand } from './commands/otel-headers.command';
import { policyCommand } from './commands/policy.command';
import { pullCommand } from './commands/pull.command';
import { runCommand } from './commands/run.command';
import { statusCommand } from './commands/status.command';
import { syncCommand } from './commands/sync.command';

export { CliExit };

// The command line: one file per command under commands/, composed here.
export function buildProgram(): Command {
  const program = new Command('steward-agent')
    .description(
      'Steward agent runtime: enforces your organization’s signed policy on this computer.',
    )
    .version(RUNTIME_VERSION)
    .option('--state-dir <dir>', `where the runtime keeps its state (default ${defaultStateDir()})`)
    .showHelpAfterError();
  for (const command of [
    enrolCommand(),
    pullCommand(),
    syncCommand(),
    statusCommand(),
    policyCommand(),
    runCommand(),
    hookCommand(),
    otelHeadersCommand(),
  ]) {
    program.addCommand(command);
  }
  return program;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliExit) return error.code;
  if (error instanceof ControlPlaneError) return error.status === 401 ? 2 : 1;
  return 1;
}
