import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { Command, Option } from 'commander';
import { BundleManager, type BundleState } from '../control-plane/bundle-manager';
import { EventSpool } from '../control-plane/event-spool';
import { LeaseSpendGuard } from '../control-plane/spend-guard';
import type { Enrolment, StateStore } from '../control-plane/state-store';
import { TerminalApprover } from '../session/approver';
import type { AgentModel } from '../session/model';
import { AnthropicModel, DEFAULT_MODEL } from '../session/models/anthropic-model';
import { MeteredModel } from '../session/models/metered-model';
import { ScriptedModel } from '../session/models/scripted-model';
import { SessionRefused, runSession } from '../session/session-runner';
import { parseGrant, type FolderGrant } from '../tools/files/granted-folders';
import { CliExit, clientOf, enrolled, print, storeOf } from './command-context';

interface RunOptions {
  task: string;
  folder: string[];
  approve: 'auto' | 'prompt';
  script?: string;
  model: string;
  json?: boolean;
}

function grantsOf(folders: string[]): FolderGrant[] {
  if (folders.length === 0) throw new CliExit('grant at least one --folder', 2);
  return folders.map((folder) => {
    try {
      return parseGrant(folder);
    } catch (error) {
      throw new CliExit(`--folder ${folder}: ${(error as Error).message}`, 2);
    }
  });
}

function modelOf(options: RunOptions): AgentModel {
  if (options.script) return ScriptedModel.fromFile(options.script);
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) throw new CliExit('no model: pass --script FILE or set ANTHROPIC_API_KEY', 2);
  return new AnthropicModel(
    new Anthropic({ apiKey, baseURL: process.env.ANTHROPIC_BASE_URL }),
    options.model,
  );
}

// A live model's calls are metered against spend leases when the bundle asks for them; the guard
// is returned too, to send the session's last settlement at its end.
function meteredModelOf(
  options: RunOptions,
  store: StateStore,
  enrolment: Enrolment,
  state: BundleState,
): { model: AgentModel; guard: LeaseSpendGuard | null } {
  const model = modelOf(options);
  if (options.script || !state.usable || !state.bundle.spend.leaseRequired) {
    return { model, guard: null };
  }
  const guard = new LeaseSpendGuard(
    clientOf(enrolment),
    {
      file: path.join(store.dir, 'offline-spend.json'),
      bundleVersion: state.bundle.version,
      allowanceUsd: state.bundle.spend.offlineAllowanceUsd,
    },
    { file: path.join(store.dir, 'held-settlement.json') },
  );
  return {
    model: new MeteredModel(model, guard, String(state.bundle.spend.maxLeaseUsd)),
    guard,
  };
}

async function run(options: RunOptions, command: Command): Promise<void> {
  const store = storeOf(command);
  const enrolment = enrolled(store);
  const grants = grantsOf(options.folder);
  const state = new BundleManager(store, enrolment).current();
  const { model, guard } = meteredModelOf(options, store, enrolment, state);
  try {
    const outcome = await runSession(
      { task: options.task, grants, approve: options.approve, model },
      {
        enrolment,
        bundle: state,
        sink: new EventSpool(store.spoolDir()),
        approver: new TerminalApprover(),
        json: options.json ? process.stdout : null,
        log: (line) => process.stderr.write(`${line}\n`),
        stateDir: store.dir,
      },
    );
    if (!options.json) print(outcome.final ?? outcome.reason ?? outcome.outcome);
    await new EventSpool(store.spoolDir()).flush(clientOf(enrolment)).catch(() => undefined);
    if (outcome.outcome === 'refused') throw new CliExit(`refused: ${outcome.reason}`, 3);
    if (outcome.outcome === 'failed') throw new CliExit(`failed: ${outcome.reason}`, 1);
  } catch (error) {
    if (error instanceof SessionRefused) throw new CliExit(error.message, 3);
    throw error;
  } finally {
    // The session's last settlement, however it ended.
    await guard?.flush();
  }
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a session: plan, your approval, then the tool loop under policy')
    .requiredOption('--task <text>', 'what the agent should do')
    .option(
      '--folder <dir[:ro]>',
      'a folder the agent may work in (repeatable; :ro for read-only)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addOption(
      new Option('--approve <mode>', 'plan approval').choices(['auto', 'prompt']).default('prompt'),
    )
    .option('--script <file>', 'replay a scripted model (JSON steps) instead of a live model')
    .addOption(
      new Option('--model <name>', 'Anthropic model (with ANTHROPIC_API_KEY)')
        .env('STEWARD_MODEL')
        .default(DEFAULT_MODEL),
    )
    .option('--json', 'write one JSON object per line for every event')
    .action(run);
}
