import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/apps/agent-runtime/src/main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// The built steward-agent, as a person would run it (stdin is not a terminal).
function agent(stateDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, '--state-dir', stateDir, ...args],
      { cwd: ROOT, env: { ...process.env, ANTHROPIC_API_KEY: '' } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end();
  });
}

describe('steward-agent against the real control plane', () => {
  let api: TestApi;
  let apiRunning = false;
  let base: string;
  let work: string;
  let stateDir: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    api = await startTestApi();
    apiRunning = true;
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-agent-e2e-')));
    work = path.join(base, 'work');
    stateDir = path.join(base, 'state');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'notes.md'), 'Q3 notes: revenue up');
    fs.mkdirSync(path.join(base, 'outside'));
    fs.writeFileSync(path.join(base, 'outside', 'secret.txt'), 'SECRET');
  });

  afterAll(async () => {
    if (apiRunning) await api.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('enrols, pulls a verified bundle, runs a governed session, and keeps enforcing offline', async () => {
    const org = await api.get(OrganizationsService).create(`Agent ${Math.random()}`, {
      type: 'operator',
    });
    const token = await api
      .get(CredentialsService)
      .issue(org.id, 'enrolment', { actor: { type: 'operator' } });
    const alice = await api.prisma.directoryUser.create({
      data: {
        organizationId: org.id,
        userName: 'alice@example.com',
        userNameLower: 'alice@example.com',
      },
    });
    const admin = await signInAdmin(api, org.id, 'admin');
    await graphql(
      api,
      admin,
      'mutation { setAutoApprovePlansAllowed(allowed: true) { autoApprovePlansAllowed } }',
    );
    const role = await graphql<{ createRole: { id: string } }>(
      api,
      admin,
      'mutation($input: RoleInput!) { createRole(input: $input) { id } }',
      {
        input: {
          name: 'Analysts',
          capabilities: ['agent', 'auto_approve_plans'],
          folderRoots: [{ pattern: work, access: 'read_write' }],
        },
      },
    );
    expect(role.errors).toBeUndefined();
    await graphql(
      api,
      admin,
      'mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }',
      { role: role.data!.createRole.id, user: alice.id },
    );
    await api.jobs.drain();

    const enrol = await agent(
      stateDir,
      'enrol',
      '--server',
      api.url,
      '--token',
      token.secret,
      '--user',
      'alice@example.com',
    );
    expect(enrol).toMatchObject({ code: 0 });
    expect(enrol.stdout).toMatch(/policy bundle version \d+ verified/);

    const status = await agent(stateDir, 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      organizationId: org.id,
      userId: alice.id,
      bundle: { usable: true, verified: true },
      trustSet: { version: 1 },
      sandbox: { fileGuard: { openat2: true } },
    });

    const policy = await agent(stateDir, 'policy');
    expect(policy.stdout).toContain('yes  agent');
    expect(policy.stdout).toContain('no   shell');
    expect(policy.stdout).toContain(`${work}: read and write`);

    const script = path.join(base, 'script.json');
    fs.writeFileSync(
      script,
      JSON.stringify({
        steps: [
          { tool: 'read_file', input: { path: 'notes.md' } },
          { tool: 'write_file', input: { path: 'summary.md', content: 'revenue up' } },
          { tool: 'read_file', input: { path: '../outside/secret.txt' } },
          { tool: 'shell', input: { command: 'cat ../outside/secret.txt' } },
          { final: 'summarised' },
        ],
      }),
    );
    const run = await agent(
      stateDir,
      'run',
      '--task',
      'Summarise my notes',
      '--folder',
      work,
      '--approve',
      'auto',
      '--script',
      script,
      '--json',
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      lines.filter((l) => l.type === 'tool.called').map((l) => [l.tool, l.decision, l.outcome]),
    ).toEqual([
      ['read_file', 'allow', 'ok'],
      ['write_file', 'allow', 'ok'],
      ['read_file', 'deny', 'refused'],
      ['shell', 'deny', 'refused'],
    ]);
    expect(lines.find((l) => l.type === 'plan.approved')).toMatchObject({ source: 'auto' });
    expect(lines.at(-1)).toMatchObject({
      type: 'session.ended',
      outcome: 'completed',
      toolCalls: 4,
    });
    expect(run.stdout).not.toContain('SECRET');
    expect(fs.readFileSync(path.join(work, 'summary.md'), 'utf8')).toBe('revenue up');
    // The session's events reached the control plane's ingest, none refused or left behind.
    const afterRun = JSON.parse((await agent(stateDir, 'status', '--json')).stdout) as {
      events: Record<string, number>;
    };
    expect(afterRun.events).toMatchObject({ pending: 0, rejected: 0, dropped: 0 });
    expect(afterRun.events.sent).toBe(lines.filter((l) => l.type !== 'step.result').length);

    // A forbidden folder granted by the person is refused before anything runs.
    const home = await agent(
      stateDir,
      'run',
      '--task',
      't',
      '--folder',
      os.homedir(),
      '--approve',
      'auto',
      '--script',
      script,
    );
    expect(home.code).toBe(3);
    expect(home.stderr).toMatch(/may not be granted/);

    // Control plane down: pulls fail, sessions still run on the last good bundle.
    await api.jobs.drain();
    await api.close();
    apiRunning = false;
    const offlinePull = await agent(stateDir, 'pull');
    expect(offlinePull.code).toBe(1);
    expect(offlinePull.stderr).toMatch(/unreachable/);
    const offlineRun = await agent(
      stateDir,
      'run',
      '--task',
      't',
      '--folder',
      work,
      '--approve',
      'auto',
      '--script',
      script,
    );
    expect(offlineRun.code).toBe(0);

    // A tampered bundle on disk: fail closed, saying why.
    const bundleFile = path.join(stateDir, 'bundle.json');
    const bytes = fs.readFileSync(bundleFile);
    bytes[Math.floor(bytes.length / 2)] ^= 1;
    fs.writeFileSync(bundleFile, bytes);
    const tampered = await agent(
      stateDir,
      'run',
      '--task',
      't',
      '--folder',
      work,
      '--approve',
      'auto',
      '--script',
      script,
    );
    expect(tampered.code).toBe(3);
    expect(tampered.stderr).toMatch(/no valid policy bundle \((malformed|bad-signature)/);
    // A dozen runtime processes, each starting Node: minutes on a loaded two-core machine.
  }, 180_000);
});
