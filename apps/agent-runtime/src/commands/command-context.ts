import path from 'node:path';
import type { Command } from 'commander';
import { governClaudeCode } from '../agents/claude-code/govern';
import { BundleManager } from '../control-plane/bundle-manager';
import { ControlPlaneClient } from '../control-plane/control-plane-client';
import { EventSpool } from '../control-plane/event-spool';
import { StateStore, defaultStateDir, type Enrolment } from '../control-plane/state-store';

/** Exit codes: 0 done, 1 failure, 2 not enrolled / bad input, 3 refused by policy. */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

interface Globals {
  stateDir?: string;
}

export function storeOf(command: Command): StateStore {
  const { stateDir } = command.optsWithGlobals<Globals>();
  return new StateStore(path.resolve(stateDir ?? defaultStateDir()));
}

export function enrolled(store: StateStore): Enrolment {
  const enrolment = store.enrolment();
  if (!enrolment) {
    throw new CliExit(
      `not enrolled (state in ${store.dir}): run steward-agent enrol --server URL --token T --user USER`,
      2,
    );
  }
  return enrolment;
}

export function clientOf(enrolment: Enrolment): ControlPlaneClient {
  return new ControlPlaneClient(enrolment.server, enrolment.credential);
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function currentOs(): Enrolment['os'] {
  return process.platform === 'darwin'
    ? 'macos'
    : process.platform === 'win32'
      ? 'windows'
      : 'linux';
}

/** One pull with its status report, the governed agents' settings, then the event upload. */
export async function pullOnce(store: StateStore, enrolment: Enrolment) {
  const bundles = new BundleManager(store, enrolment);
  const client = clientOf(enrolment);
  const outcome = await bundles.pull(client);
  await bundles.reportStatus(client, outcome).catch(() => undefined);
  // Without the rights to Claude Code's managed folder, the bundle still governs this runtime.
  await governClaudeCode(store, enrolment, client).catch((error: unknown) =>
    process.stderr.write(`claude code: managed settings not written: ${String(error)}\n`),
  );
  await new EventSpool(store.spoolDir()).flush(client);
  return outcome;
}
