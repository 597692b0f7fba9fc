import { Command } from 'commander';

// steward-agent: the runtime on a person's computer. Each command is added by the feature that
// owns it (control-plane/, session/).
export function buildProgram(): Command {
  return new Command('steward-agent')
    .description(
      'Steward agent runtime: enforces your organization’s signed policy on this computer.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError();
}
