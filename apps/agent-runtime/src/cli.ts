import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import {
  CAPABILITIES,
  FOLDER_FORBID_ROOT,
  FOLDER_FORBID_SUBTREE,
  FOLDER_READ_WRITE,
  describeRule,
  verifyTrustSetUpdate,
} from '@steward/policy';
import { Command, Option } from 'commander';
import { BundleManager, RUNTIME_VERSION } from './control-plane/bundle-manager';
import { ControlPlaneClient, ControlPlaneError } from './control-plane/control-plane-client';
import { EventSpool } from './control-plane/event-spool';
import { LeaseSpendGuard } from './control-plane/spend-guard';
import { StateStore, defaultStateDir, type Enrolment } from './control-plane/state-store';
import { TerminalApprover } from './session/approver';
import type { AgentModel } from './session/model';
import { AnthropicModel } from './session/models/anthropic-model';
import { MeteredModel } from './session/models/metered-model';
import { ScriptedModel } from './session/models/scripted-model';
import { SessionRefused, runSession } from './session/session-runner';
import { openat2Available } from './tools/files/openat2';
import { parseGrant } from './tools/files/granted-folders';
import { sandboxHealth } from './tools/shell/sandbox-shell';

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

function storeOf(command: Command): StateStore {
  const { stateDir } = command.optsWithGlobals<Globals>();
  return new StateStore(path.resolve(stateDir ?? defaultStateDir()));
}

function enrolled(store: StateStore): Enrolment {
  const enrolment = store.enrolment();
  if (!enrolment) {
    throw new CliExit(
      `not enrolled (state in ${store.dir}): run steward-agent enrol --server URL --token T --user USER`,
      2,
    );
  }
  return enrolment;
}

function clientOf(enrolment: Enrolment): ControlPlaneClient {
  return new ControlPlaneClient(enrolment.server, enrolment.credential);
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function currentOs(): Enrolment['os'] {
  return process.platform === 'darwin'
    ? 'macos'
    : process.platform === 'win32'
      ? 'windows'
      : 'linux';
}

async function pullOnce(store: StateStore, enrolment: Enrolment) {
  const bundles = new BundleManager(store, enrolment);
  const client = clientOf(enrolment);
  const outcome = await bundles.pull(client);
  await bundles.reportStatus(client, outcome).catch(() => undefined);
  await new EventSpool(store.spoolDir()).flush(client);
  return outcome;
}

export function buildProgram(): Command {
  const program = new Command('steward-agent')
    .description(
      'Steward agent runtime: enforces your organization’s signed policy on this computer.',
    )
    .version(RUNTIME_VERSION)
    .option('--state-dir <dir>', `where the runtime keeps its state (default ${defaultStateDir()})`)
    .showHelpAfterError();

  program
    .command('enrol')
    .description('enrol this computer with the control plane and fetch the first policy bundle')
    .requiredOption('--server <url>', 'control plane URL')
    .requiredOption('--token <token>', 'enrolment token (stw_enrol_…)')
    .requiredOption('--user <user>', 'your user name in the organization’s directory')
    .option('--device-name <name>', 'name shown to admins', os.hostname())
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      const response = await ControlPlaneClient.enrol(options.server, options.token, {
        user: options.user,
        deviceName: options.deviceName,
        os: currentOs(),
        runtimeVersion: RUNTIME_VERSION,
      });
      const trustSetBytes = Buffer.from(response.trustSet, 'utf8');
      const trust = verifyTrustSetUpdate(trustSetBytes, {
        held: null,
        expectedOrg: response.organizationId,
      });
      if (!trust.ok) throw new CliExit(`the trust set is refused (${trust.reason})`, 3);
      const enrolment: Enrolment = {
        server: options.server,
        organizationId: response.organizationId,
        userId: response.userId,
        endpointId: response.endpointId,
        credential: response.credential,
        deviceName: options.deviceName,
        os: currentOs(),
      };
      store.saveTrustSet(trustSetBytes);
      store.saveEnrolment(enrolment);
      print(`enrolled as endpoint ${enrolment.endpointId} (state in ${store.dir})`);
      const outcome = await pullOnce(store, enrolment);
      print(
        outcome.verified
          ? `policy bundle version ${outcome.version} verified`
          : `policy bundle refused: ${outcome.reason} (${outcome.detail})`,
      );
    });

  program
    .command('pull')
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

  program
    .command('sync')
    .description('keep the policy bundle current (long-poll) and upload events, until stopped')
    .option('--wait <seconds>', 'long-poll duration', (v) => Number(v), 55)
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      const enrolment = enrolled(store);
      const client = clientOf(enrolment);
      const spool = new EventSpool(store.spoolDir());
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await new BundleManager(store, enrolment).sync(client, {
        signal: stop.signal,
        waitSeconds: options.wait,
        onPull: (outcome) => {
          if (outcome.changed) print(`policy bundle version ${outcome.version} verified`);
          if (!outcome.verified)
            print(`policy bundle refused: ${outcome.reason} (${outcome.detail})`);
          void spool.flush(client);
        },
        onError: (error, retryInMs) =>
          print(`control plane: ${error.message}; retrying in ${Math.round(retryInMs / 1000)} s`),
      });
    });

  program
    .command('status')
    .description('bundle version, verification, expiry, trusted keys and sandbox health')
    .option('--json', 'one JSON object')
    .action((options, command: Command) => {
      const store = storeOf(command);
      const enrolment = enrolled(store);
      const bundles = new BundleManager(store, enrolment);
      const state = bundles.current();
      let keys: { keyId: string; status: string; notAfter?: string }[] = [];
      let trustSetVersion: number | null = null;
      try {
        const trustSet = bundles.trustSet();
        trustSetVersion = trustSet.version;
        keys = trustSet.keys.map(({ keyId, status, notAfter }) => ({ keyId, status, notAfter }));
      } catch {
        // shown as no trusted keys
      }
      const sandbox = sandboxHealth();
      const report = {
        stateDir: store.dir,
        server: enrolment.server,
        organizationId: enrolment.organizationId,
        userId: enrolment.userId,
        endpointId: enrolment.endpointId,
        bundle: state.usable
          ? {
              usable: true,
              version: state.bundle.version,
              verified: true,
              issuedAt: state.bundle.issuedAt,
              expiresAt: state.bundle.expiresAt,
              keyId: state.bundle.keyId,
            }
          : { usable: false, verified: false, reason: state.reason, detail: state.detail },
        lastPull: store.lastPull(),
        trustSet: { version: trustSetVersion, keys },
        sandbox: { shell: sandbox, fileGuard: { openat2: openat2Available() } },
        events: new EventSpool(store.spoolDir()).stats(),
      };
      if (options.json) return print(JSON.stringify(report));
      print(
        `endpoint ${report.endpointId} of organization ${report.organizationId} (${report.server})`,
      );
      print(
        state.usable
          ? `bundle: version ${state.bundle.version}, verified, expires ${state.bundle.expiresAt}`
          : `bundle: NONE USABLE — ${state.reason}: ${state.detail} (sessions are refused)`,
      );
      print(
        `trusted keys (set v${trustSetVersion ?? '-'}): ${keys.map((k) => `${k.keyId} ${k.status}`).join(', ') || 'none'}`,
      );
      print(
        `sandbox: shell ${sandbox.available ? 'ok' : `unavailable (${sandbox.problems.join('; ')})`}, ` +
          `file guard ${report.sandbox.fileGuard.openat2 ? 'openat2 ok' : 'unavailable'}`,
      );
      const events = report.events;
      print(
        `events: ${events.pending} pending, ${events.sent} sent, ${events.rejected} rejected, ${events.dropped} dropped` +
          (events.lastError ? ` (last error: ${events.lastError})` : ''),
      );
    });

  program
    .command('policy')
    .description('print your effective policy in plain words')
    .action((_options, command: Command) => {
      const store = storeOf(command);
      const state = new BundleManager(store, enrolled(store)).current();
      if (!state.usable)
        throw new CliExit(`no valid policy bundle: ${state.reason} (${state.detail})`, 3);
      const { engine, bundle } = state;
      print(`Policy bundle version ${bundle.version}, expires ${bundle.expiresAt}.`);
      print('Capabilities:');
      for (const capability of CAPABILITIES) {
        const decided = engine.capability(capability);
        print(
          `  ${decided.allowed ? 'yes' : 'no '}  ${capability} — ${describeRule(decided.rule)}`,
        );
      }
      const plan = engine.planApproval();
      print(
        `Plans: ${plan.mode === 'auto' ? 'may be auto-approved' : 'need your approval'} — ${describeRule(plan.rule)}`,
      );
      print('Connectors:');
      const tools = bundle.policy.tools;
      if (Object.keys(tools).length === 0) print('  none');
      for (const [connector, [names]] of Object.entries(tools)) {
        const address = bundle.policy.connectors[connector];
        const where = !address
          ? 'no address: calls fail'
          : address.transport === 'stdio'
            ? [address.command, ...address.args].join(' ')
            : address.url;
        print(`  ${connector} (${where}${address ? `, version ${address.version}` : ''}):`);
        for (const tool of names) {
          const decided = engine.tool(connector, tool);
          print(
            `    ${decided.decision.padEnd(5)} ${tool} (${decided.kind}) — ${describeRule(decided.rule)}`,
          );
        }
      }
      const enrolment = enrolled(store);
      print(`Folders (${enrolment.os}):`);
      for (const [prefix, code, rule] of bundle.policy.folders[enrolment.os]) {
        const what =
          code === FOLDER_FORBID_ROOT
            ? 'forbidden (the folder itself)'
            : code === FOLDER_FORBID_SUBTREE
              ? 'forbidden'
              : code === FOLDER_READ_WRITE
                ? 'read and write'
                : 'read only';
        print(`  ${prefix}: ${what} — ${describeRule(bundle.policy.rules[rule]!)}`);
      }
      const hosts = bundle.policy.network.hosts;
      print(`Shell network: ${hosts.length ? hosts.join(', ') : 'none'}`);
      print(
        `Telemetry: prompts ${bundle.telemetry.redaction.prompts}, commands ${bundle.telemetry.redaction.commands}, paths ${bundle.telemetry.redaction.paths}.`,
      );
    });

  program
    .command('run')
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
    .option('--model <name>', 'Anthropic model (with ANTHROPIC_API_KEY)', 'claude-sonnet-4-5')
    .option('--json', 'write one JSON object per line for every event')
    .action(async (options, command: Command) => {
      const store = storeOf(command);
      const enrolment = enrolled(store);
      if (options.folder.length === 0) throw new CliExit('grant at least one --folder', 2);
      const grants = (options.folder as string[]).map((folder) => {
        try {
          return parseGrant(folder);
        } catch (error) {
          throw new CliExit(`--folder ${folder}: ${(error as Error).message}`, 2);
        }
      });
      const state = new BundleManager(store, enrolment).current();
      let model = modelOf(options);
      if (!options.script && state.usable && state.bundle.spend.leaseRequired) {
        const guard = new LeaseSpendGuard(clientOf(enrolment), {
          file: path.join(store.dir, 'offline-spend.json'),
          bundleVersion: state.bundle.version,
          allowanceUsd: state.bundle.spend.offlineAllowanceUsd,
        });
        model = new MeteredModel(model, guard, String(state.bundle.spend.maxLeaseUsd));
      }
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
      }
    });

  return program;
}

function modelOf(options: { script?: string; model: string }): AgentModel {
  if (options.script) return ScriptedModel.fromFile(options.script);
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (!apiKey) throw new CliExit('no model: pass --script FILE or set ANTHROPIC_API_KEY', 2);
  return new AnthropicModel(
    new Anthropic({ apiKey, baseURL: process.env.ANTHROPIC_BASE_URL }),
    options.model,
  );
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliExit) return error.code;
  if (error instanceof ControlPlaneError) return error.status === 401 ? 2 : 1;
  return 1;
}
