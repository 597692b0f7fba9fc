import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountHome } from '../../apps/agent-runtime/src/session/account-home';
import { SpendService } from '../../apps/admin-api/src/modules/spend/spend.service';
import { startTestApi, type TestApi } from '../support/api';
import { fakeModel, runClaude, type FakeModel } from '../support/claude-code';
import {
  CLI,
  collect,
  governedOrganization,
  runAgent,
  until,
  type Governed,
} from '../support/claude-code-org';

const ROOT = path.resolve(__dirname, '../..');

// The real Claude Code 2.1.332 with the shell allowed by the bundle, so its commands run in Claude
// Code's sandbox as steward-agent configured it. Judged by what reached the fake model and the
// database: no command sees the endpoint's credential (environment, managed files, Steward's state
// folder) nor the person's home outside the grants, while the session's telemetry still arrives
// under that credential; and a prompt over an exhausted hard spend limit never reaches the model.
describe('Claude Code with the shell allowed (real binary)', () => {
  let api: TestApi;
  let base: string;
  let org: Governed;
  let sync: ChildProcess | null = null;
  const models: FakeModel[] = [];
  let grant: string;
  let stateDir: string;
  let managedDir: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    api = await startTestApi();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-claude-shell-e2e-')));
    grant = path.join(base, 'grant');
    fs.mkdirSync(grant, { recursive: true });
    fs.writeFileSync(path.join(grant, 'notes.md'), 'NOTES-INSIDE-GRANT');
    // A tiny hard limit: the first session's own cost exhausts it.
    org = await governedOrganization(api, grant, {
      capabilities: ['agent', 'shell'],
      limitUsd: '0.0001',
    });
    stateDir = path.join(base, 'state');
    managedDir = path.join(base, 'managed');
    const env = { ...process.env, STEWARD_CLAUDE_CODE_DIR: managedDir };
    const enrol = await runAgent(env, [
      ...['--state-dir', stateDir, 'enrol', '--server', api.url],
      ...['--token', org.enrolmentToken, '--user', 'alice@example.com'],
    ]);
    expect(enrol.code).toBe(0);
    sync = spawn(process.execPath, [CLI, '--state-dir', stateDir, 'sync', '--wait', '5'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(sync);
    await until(() => /claude code: hooks at/.test(output()), 'sync answering hooks');
  }, 120_000);

  afterAll(async () => {
    sync?.kill('SIGTERM');
    for (const model of models) await model.close();
    await api?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const session = async (steps: Parameters<typeof fakeModel>[0], prompt: string) => {
    const model = await fakeModel(steps);
    models.push(model);
    const run = await runClaude({
      managedDir,
      scratch: path.join(base, `scratch-${models.length}`),
      home: path.join(base, 'claude-home'),
      cwd: grant,
      modelUrl: model.url,
      prompt,
    });
    return { model, run };
  };

  it("keeps the credential, Steward's state and the home outside the grants from commands", async () => {
    const credential = (
      JSON.parse(fs.readFileSync(path.join(stateDir, 'enrolment.json'), 'utf8')) as {
        credential: string;
      }
    ).credential;
    const settings = JSON.parse(
      fs.readFileSync(path.join(managedDir, 'managed-settings.json'), 'utf8'),
    ) as { otelHeadersHelper: string; sandbox: { enabled: boolean } };
    expect(settings.sandbox.enabled).toBe(true);
    // The governed person's home from the user database (this test runs as that person).
    const homeFile = path.join(accountHome(), `.steward-e2e-${process.pid}-${Date.now()}.txt`);
    fs.writeFileSync(homeFile, 'HOME-OUTSIDE-GRANT');
    try {
      const bash = (command: string) => ({ tool: 'Bash', input: { command, description: 'x' } });
      const { model, run } = await session(
        [
          bash('env'),
          bash('cat /etc/claude-code/managed-settings.json'),
          bash(`cat ${path.join(managedDir, 'otel-headers.json')}`),
          bash(`cat ${path.join(stateDir, 'enrolment.json')}`),
          bash(`cat ${homeFile}`),
          bash(settings.otelHeadersHelper),
          bash(`cat ${path.join(grant, 'notes.md')}`),
          { text: 'done' },
        ],
        'look around',
      );
      expect(run.code).toBe(0);
      const shown = model.requests.join('\n');
      expect(shown).not.toContain(credential);
      expect(shown).not.toContain('HOME-OUTSIDE-GRANT');
      const results = model.toolResults();
      // The commands ran: the environment and the managed settings were shown, without it.
      expect(results.get('toolu_1')).toMatchObject({ isError: false });
      expect(results.get('toolu_1')!.content).toContain('CLAUDE_CODE');
      expect(results.get('toolu_2')).toMatchObject({ isError: false });
      expect(results.get('toolu_2')!.content).toContain('otelHeadersHelper');
      for (const refused of ['toolu_3', 'toolu_4', 'toolu_5', 'toolu_6']) {
        expect(results.get(refused)).toMatchObject({ isError: true });
      }
      expect(results.get('toolu_7')).toMatchObject({ isError: false });
      expect(results.get('toolu_7')!.content).toContain('NOTES-INSIDE-GRANT');
    } finally {
      fs.rmSync(homeFile, { force: true });
    }
    // The exporter got the credential from the helper: the session's model requests arrived as
    // Alice's events.
    await until(async () => {
      const [{ count }] = await api.prisma.$queryRaw<{ count: bigint }[]>`
        SELECT count(*) FROM "AgentEvent" WHERE "organizationId" = ${org.organizationId}::uuid
          AND type = 'model.requested' AND "userId" = ${org.aliceId}`;
      return Number(count) >= 8;
    }, 'Claude Code telemetry ingested');
  }, 240_000);

  it('refuses a prompt over an exhausted hard limit, naming it, before the model sees it', async () => {
    const endpointId = (
      JSON.parse(fs.readFileSync(path.join(stateDir, 'enrolment.json'), 'utf8')) as {
        endpointId: string;
      }
    ).endpointId;
    const subject = { organizationId: org.organizationId, userId: org.aliceId, endpointId };
    // The first session's cost, reported by its telemetry, used the limit up.
    await until(async () => {
      const [budget] = await api.get(SpendService).budgetsFor(subject);
      return Number(budget!.remainingUsd) <= 0;
    }, 'the limit exhausted by the first session');
    const { model, run } = await session([{ text: 'never asked' }], 'PROMPT-OVER-THE-LIMIT');
    expect(model.requests.filter((body) => body.includes('PROMPT-OVER-THE-LIMIT'))).toEqual([]);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(
      /the day hard spend limit of the user \(0\.00010* USD\) has -?[\d.]+ USD left; it resets at \d{4}-/,
    );
  }, 120_000);
});
