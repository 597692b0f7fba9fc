// npm run bench -- claude-code-hook
// What Steward's PreToolUse hook adds to each of the real Claude Code's tool calls. Claude Code
// 2.1.332 runs headless against a scripted model that asks for 25 reads of a granted file, once
// with its managed settings pointing the HTTP hook at steward-agent's hook server (libs/policy
// deciding on a verified bundle) and once at a no-op HTTP hook answering {} (the same hook type),
// alternating over rounds. Claude Code itself times every hook run (its telemetry's
// hook_execution_complete total_duration_ms, collected here by a local OTLP sink). Goal: Steward's
// p50 at most 10 ms above the no-op's.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  bundleEnvelope,
  compilePolicy,
  encodePolicy,
  generateSigningKey,
  policyDigest,
  signBundle,
  signTrustSet,
} from '@steward/policy';
import { ClaudeCodeHookServer } from '../apps/agent-runtime/src/agents/claude-code/hook-server';
import { managedFiles } from '../apps/agent-runtime/src/agents/claude-code/managed-settings';
import { BundleManager } from '../apps/agent-runtime/src/control-plane/bundle-manager';
import { ControlPlaneClient } from '../apps/agent-runtime/src/control-plane/control-plane-client';
import { StateStore, type Enrolment } from '../apps/agent-runtime/src/control-plane/state-store';
import { fakeModel, runClaude } from '../test/support/claude-code';
import { machineLoad, reportResult } from './result';

const CALLS = 25;
const ROUNDS = 2;
const GOAL_MS = 10;
const ORG = '11111111-1111-4111-8111-111111111111';
const SUBJECT = {
  userId: '33333333-3333-4333-8333-333333333333',
  endpointId: '44444444-4444-4444-8444-444444444444',
};

// A state folder as enrolment leaves it, holding a verified bundle that grants `grant`.
function enrolledState(dir: string, grant: string): { store: StateStore; enrolment: Enrolment } {
  const key = generateSigningKey();
  const store = new StateStore(dir);
  const enrolment: Enrolment = {
    server: 'http://127.0.0.1:9',
    organizationId: ORG,
    ...SUBJECT,
    credential: 'stw_ep_bench',
    deviceName: 'bench',
    os: 'linux',
    trustAnchor: signTrustSet(
      {
        formatVersion: 1,
        kind: 'trust-set',
        org: ORG,
        version: 1,
        issuedAt: new Date().toISOString(),
        keys: [{ keyId: key.keyId, publicKey: key.publicKey, status: 'active' }],
      },
      key,
    ).toString('utf8'),
  };
  store.saveEnrolment(enrolment);
  store.saveTrustChain([]);
  const policy = encodePolicy(
    compilePolicy({
      user: { id: SUBJECT.userId, active: true },
      grants: [
        {
          role: {
            id: 'r',
            name: 'Bench',
            capabilities: ['agent'],
            connectorRules: [],
            folderRoots: [{ pattern: grant, access: 'read_write' }],
          },
          via: { kind: 'user' },
        },
      ],
      connectors: [],
    }),
  );
  const now = Date.now();
  const signed = signBundle(
    {
      formatVersion: 1,
      kind: 'policy-bundle',
      org: ORG,
      subject: SUBJECT,
      access: 'granted',
      version: 1,
      issuedAt: new Date(now - 1000).toISOString(),
      expiresAt: new Date(now + 86_400_000).toISOString(),
      keyId: key.keyId,
      policyDigest: policyDigest(policy),
      telemetry: {
        controlPlane: true,
        otlp: null,
        redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
      },
      spend: { leaseRequired: false, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
    },
    policy,
    key,
  );
  store.saveBundle(bundleEnvelope(signed, policy), {
    version: 1,
    etag: null,
    acceptedAt: new Date().toISOString(),
  });
  return { store, enrolment };
}

// Claude Code's own timing of each PreToolUse hook run, from its OTLP/JSON logs.
async function otlpSink(): Promise<{ url: string; durations: number[]; close(): void }> {
  const durations: number[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/logs') {
        const logs = JSON.parse(body) as {
          resourceLogs: { scopeLogs: { logRecords: { attributes: Attr[] }[] }[] }[];
        };
        for (const record of logs.resourceLogs.flatMap((r) =>
          r.scopeLogs.flatMap((s) => s.logRecords),
        )) {
          const attributes = Object.fromEntries(
            record.attributes.map((a) => [a.key, Object.values(a.value)[0]]),
          );
          if (
            attributes['event.name'] === 'hook_execution_complete' &&
            attributes.hook_event === 'PreToolUse'
          ) {
            durations.push(Number(attributes.total_duration_ms));
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    durations,
    close: () => server.close(),
  };
}
type Attr = { key: string; value: Record<string, unknown> };

async function noopHook(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => server.close(),
  };
}

// The hook answer alone: the same PreToolUse input posted over one keep-alive connection.
async function roundTrips(url: string, body: string, count: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const request = http.request(url, { method: 'POST', agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
      request.end(body);
    });
    times.push(performance.now() - started);
  }
  agent.destroy();
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function session(
  base: string,
  label: string,
  hookUrl: string,
  files: Setup,
): Promise<number[]> {
  const sink = await otlpSink();
  const { settings, mcp } = managedFiles(
    new BundleManager(files.store, files.enrolment).current(),
    {
      os: 'linux',
      server: sink.url,
      headersHelper: `echo '{"Authorization":"Bearer stw_ep_bench"}'`,
      hookUrl,
      home: path.join(base, 'home'),
      secretPaths: [],
    },
  );
  const env = settings.env as Record<string, string>;
  env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  env.OTEL_LOGS_EXPORT_INTERVAL = '1000';
  const managedDir = path.join(base, `managed-${label}`);
  fs.mkdirSync(managedDir, { recursive: true });
  fs.writeFileSync(path.join(managedDir, 'managed-settings.json'), JSON.stringify(settings));
  fs.writeFileSync(path.join(managedDir, 'managed-mcp.json'), JSON.stringify(mcp));
  const model = await fakeModel([
    ...Array.from({ length: CALLS }, () => ({ tool: 'Read', input: { file_path: files.notes } })),
    { text: 'done' },
  ]);
  const run = await runClaude({
    managedDir,
    scratch: path.join(base, `scratch-${label}`),
    home: path.join(base, 'home'),
    cwd: path.dirname(files.notes),
    modelUrl: model.url,
    prompt: 'read the notes again and again',
  });
  await model.close();
  sink.close();
  if (run.code !== 0) throw new Error(`claude exited ${run.code}: ${run.stderr}`);
  return sink.durations;
}

interface Setup {
  store: StateStore;
  enrolment: Enrolment;
  notes: string;
}

async function main(): Promise<void> {
  console.log(
    `claude-code-hook: ${CALLS} tool calls per session, ${ROUNDS} rounds; ${machineLoad()}`,
  );
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-bench-hook-')));
  try {
    const grant = path.join(base, 'grant');
    fs.mkdirSync(grant);
    const notes = path.join(grant, 'notes.md');
    fs.writeFileSync(notes, 'notes');
    const files = { ...enrolledState(path.join(base, 'state'), grant), notes };
    const steward = new ClaudeCodeHookServer(
      files.store,
      files.enrolment,
      new ControlPlaneClient(files.enrolment.server, files.enrolment.credential),
      path.join(base, 'home'),
    );
    const stewardUrl = await steward.listen();
    const noop = await noopHook();
    const samples = { steward: [] as number[], noop: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      samples.noop.push(...(await session(base, `noop-${round}`, noop.url, files)));
      samples.steward.push(...(await session(base, `steward-${round}`, stewardUrl, files)));
      console.log(
        `round ${round}: p50 steward ${median(samples.steward)} ms, no-op ${median(samples.noop)} ms (${samples.steward.length}/${samples.noop.length} hook runs); ${machineLoad()}`,
      );
    }
    const input = JSON.stringify({
      hook_event_name: 'PreToolUse',
      tool_name: 'Read',
      tool_input: { file_path: files.notes },
      cwd: grant,
    });
    const direct = {
      steward: median(await roundTrips(stewardUrl, input, 2000)),
      noop: median(await roundTrips(noop.url, input, 2000)),
    };
    console.log(
      `hook answer alone (2000 posts, keep-alive): p50 steward ${direct.steward.toFixed(3)} ms, no-op ${direct.noop.toFixed(3)} ms`,
    );
    await steward.close();
    noop.close();
    const added = median(samples.steward) - median(samples.noop);
    console.log(`Steward's hook adds ${added} ms at p50 per tool call (goal ≤ ${GOAL_MS} ms)`);
    reportResult({
      figure: 'PreToolUse hook p50 per tool call, real Claude Code (Claude Code’s own timing)',
      value: median(samples.steward),
      unit: 'ms',
      peer: 'no-op HTTP hook',
      peerValue: median(samples.noop),
      goal: `≤ ${GOAL_MS} ms above the no-op`,
      met: added <= GOAL_MS,
    });
    reportResult({
      figure: 'PreToolUse hook answer alone p50 (loopback HTTP, keep-alive)',
      value: direct.steward,
      unit: 'ms',
      peer: 'no-op HTTP hook',
      peerValue: direct.noop,
      goal: `≤ ${GOAL_MS} ms above the no-op`,
      met: direct.steward - direct.noop <= GOAL_MS,
    });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
