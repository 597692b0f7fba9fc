import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RollupsService } from '../../apps/admin-api/src/modules/analytics/rollups.service';
import { AuditVerifier } from '../../apps/admin-api/src/modules/audit/audit-verifier';
import { SpendService } from '../../apps/admin-api/src/modules/spend/spend.service';
import { graphql } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';
import { fakeModel, runClaude, type FakeModel } from '../support/claude-code';
import { CLI, collect, governedOrganization, runAgent, until } from '../support/claude-code-org';

const ROOT = path.resolve(__dirname, '../..');

// The real Claude Code 2.1.332 governed by one Steward bundle: steward-agent writes its managed
// files and answers its hooks, its telemetry comes back through the OTLP receiver. Judged by side
// effects: files outside the grants and in a forbidden folder are never read or written, the MCP
// server's write tool never runs while its read tool does, and a person deactivated over SCIM is
// refused at the very next tool call of a session already running.
describe('Claude Code governed by the Steward bundle (real binary)', () => {
  let api: TestApi;
  let base: string;
  let sync: ChildProcess | null = null;
  let model: FakeModel | null = null;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    api = await startTestApi();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-claude-code-e2e-')));
  });

  afterAll(async () => {
    sync?.kill('SIGTERM');
    await model?.close();
    await api?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('enforces the bundle on every tool call and reports the session as the right person', async () => {
    const grant = path.join(base, 'work', 'grant');
    const paths = {
      notes: path.join(grant, 'notes.md'),
      later: path.join(grant, 'later.md'),
      summary: path.join(grant, 'summary.md'),
      mcpWrite: path.join(grant, 'from-mcp.md'),
      privateKey: path.join(grant, 'private', 'key.txt'),
      privateWrite: path.join(grant, 'private', 'new.txt'),
      secret: path.join(base, 'work', 'outside', 'secret.txt'),
      outsideWrite: path.join(base, 'work', 'outside', 'new.txt'),
    };
    fs.mkdirSync(path.dirname(paths.privateKey), { recursive: true });
    fs.mkdirSync(path.dirname(paths.secret), { recursive: true });
    fs.writeFileSync(paths.notes, 'NOTES-INSIDE-GRANT');
    fs.writeFileSync(paths.later, 'READ-AFTER-REVOCATION');
    fs.writeFileSync(paths.privateKey, 'PRIVATE-KEY-MATERIAL');
    fs.writeFileSync(paths.secret, 'SECRET-OUTSIDE-GRANT');

    const org = await governedOrganization(api, grant);
    const managedDir = path.join(base, 'managed');
    const stateDir = path.join(base, 'state');
    const home = path.join(base, 'home');
    const env = { ...process.env, STEWARD_CLAUDE_CODE_DIR: managedDir, HOME: home };
    const agent = (...args: string[]) => runAgent(env, ['--state-dir', stateDir, ...args]);
    const enrol = await agent(
      'enrol',
      '--server',
      api.url,
      '--token',
      org.enrolmentToken,
      '--user',
      'alice@example.com',
    );
    expect(enrol.code).toBe(0);

    sync = spawn(process.execPath, [CLI, '--state-dir', stateDir, 'sync', '--wait', '5'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const syncOutput = collect(sync);
    await until(() => /claude code: hooks at/.test(syncOutput()), 'sync answering hooks');
    const settings = () =>
      JSON.parse(fs.readFileSync(path.join(managedDir, 'managed-settings.json'), 'utf8')) as {
        steward: { access: string };
        hooks: { PreToolUse: { hooks: { url: string }[] }[] };
      };
    expect(settings().steward.access).toBe('policy');
    const status = await agent('status');
    expect(status.stdout).toMatch(/governs claude-code: bundle version \d+'s rules written to/);

    let release!: () => void;
    const revoked = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    model = await fakeModel([
      { tool: 'Read', input: { file_path: paths.notes } },
      { tool: 'Read', input: { file_path: paths.secret } },
      { tool: 'Write', input: { file_path: paths.outsideWrite, content: 'x' } },
      { tool: 'Read', input: { file_path: paths.privateKey } },
      { tool: 'Write', input: { file_path: paths.privateWrite, content: 'x' } },
      { tool: 'Bash', input: { command: `cat ${paths.secret}`, description: 'read' } },
      { tool: 'mcp__fs__read_text_file', input: { path: paths.notes } },
      { tool: 'mcp__fs__write_file', input: { path: paths.mcpWrite, content: 'x' } },
      { tool: 'mcp__fs__list_directory', input: { path: grant } },
      { tool: 'Write', input: { file_path: paths.summary, content: 'summary' } },
      { wait: revoked, onReached: () => (held = true) },
      { tool: 'Read', input: { file_path: paths.later } },
      { text: 'done' },
    ]);
    const session = runClaude({
      managedDir,
      scratch: path.join(base, 'claude-scratch'),
      home,
      cwd: grant,
      modelUrl: model.url,
      prompt: 'summarise the notes',
    });

    // While the session waits on the model: the IdP deactivates Alice; the revoked bundle reaches
    // the endpoint and Claude Code's settings become deny-all.
    await until(() => held, 'the session reaching the held model request');
    await org.deactivateOverScim();
    await until(() => settings().steward.access === 'deny-all', 'the revoked bundle applied');
    release();
    const run = await session;
    expect(run.code).toBe(0);

    // Side effects on disk and in what the model was shown.
    const shown = model.requests.join('\n');
    expect(shown).toContain('NOTES-INSIDE-GRANT');
    for (const never of ['SECRET-OUTSIDE-GRANT', 'PRIVATE-KEY-MATERIAL', 'READ-AFTER-REVOCATION']) {
      expect(shown).not.toContain(never);
    }
    for (const file of [paths.outsideWrite, paths.privateWrite, paths.mcpWrite]) {
      expect(fs.existsSync(file)).toBe(false);
    }
    expect(fs.readFileSync(paths.summary, 'utf8')).toBe('summary');
    const results = model.toolResults();
    expect(results.get('toolu_7')).toMatchObject({ isError: false });
    expect(results.get('toolu_7')!.content).toContain('NOTES-INSIDE-GRANT');
    for (const refused of ['toolu_2', 'toolu_3', 'toolu_4', 'toolu_5', 'toolu_6', 'toolu_8']) {
      expect(results.get(refused)).toMatchObject({ isError: true });
    }
    expect(results.get('toolu_2')!.content).toContain('Steward');
    // The ask rule of list_directory: Claude Code asks the person; headless, nobody answers.
    expect(results.get('toolu_9')).toMatchObject({ isError: true });
    expect(results.get('toolu_12')).toMatchObject({ isError: true });
    expect(results.get('toolu_12')!.content).toContain('no valid policy bundle');

    // The session's telemetry, as Alice's events, in analytics, spend and the audit chain.
    await until(
      async () => (await modelRequests(api, org.organizationId)) >= 10,
      'Claude Code telemetry ingested',
    );
    await api.get(RollupsService).rollupPending(100);
    const today = new Date().toISOString().slice(0, 10);
    const summary = (await (
      await fetch(`${api.url}/api/v1/analytics/summary?from=${today}&to=${today}`, {
        headers: { authorization: `Bearer ${org.analyticsKey}` },
      })
    ).json()) as {
      toolCalls: number;
      toolCallsByDecision: Record<string, number>;
      costUsd: string;
    };
    expect(summary.toolCalls).toBeGreaterThanOrEqual(8);
    expect(summary.toolCallsByDecision.deny).toBeGreaterThanOrEqual(4);
    expect(summary.toolCallsByDecision.allow).toBeGreaterThanOrEqual(3);
    expect(Number(summary.costUsd)).toBeGreaterThan(0);
    const users = await api.prisma.$queryRaw<{ userId: string }[]>`
      SELECT DISTINCT "userId" FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid`;
    expect(users).toEqual([{ userId: org.aliceId }]);
    const [budget] = await api.get(SpendService).budgetsFor({
      organizationId: org.organizationId,
      userId: org.aliceId,
      endpointId: JSON.parse(fs.readFileSync(path.join(stateDir, 'enrolment.json'), 'utf8'))
        .endpointId as string,
    });
    expect(Number(budget!.spentUsd)).toBeCloseTo(Number(summary.costUsd), 6);
    expect(await api.get(AuditVerifier).verify(org.organizationId, { events: true })).toMatchObject(
      { ok: true },
    );
    const batches = await api.prisma.auditEvent.findMany({
      where: { organizationId: org.organizationId, action: 'agent.events.ingested' },
    });
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => (b.data as { userId: string }).userId === org.aliceId)).toBe(true);
    const endpoints = await graphql<{
      endpoints: { governedAgents: { agent: string; version: string; access: string }[] }[];
    }>(api, org.admin, '{ endpoints { governedAgents { agent version access } } }');
    expect(endpoints.data!.endpoints[0]!.governedAgents).toEqual([
      { agent: 'claude-code', version: '2.1.332', access: 'deny-all' },
    ]);
  }, 240_000);
});

async function modelRequests(api: TestApi, organizationId: string): Promise<number> {
  const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) FROM "AgentEvent"
    WHERE "organizationId" = ${organizationId}::uuid AND type = 'model.requested'`;
  return Number(count);
}
