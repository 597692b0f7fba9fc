import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyClaudeCode } from '../../apps/agent-runtime/src/agents/claude-code/managed-writer';
import { BundleManager } from '../../apps/agent-runtime/src/control-plane/bundle-manager';
import type { StateStore } from '../../apps/agent-runtime/src/control-plane/state-store';
import {
  enrolledState,
  makeOrg,
  makePolicy,
  signedBundle,
} from '../../apps/agent-runtime/test-support/signed-bundles';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/apps/agent-runtime/src/main.js');
// Claude Code 2.1.332's own PreToolUse input: a Read of an SSH key.
const SAMPLE = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '../telemetry/claude-code-2.1.332/pretooluse-hook-input.json'),
    'utf8',
  ),
) as { tool_input: { file_path: string } } & Record<string, unknown>;
// An account of this machine's user database other than the one the tests run as (root), whose
// home is under /home; made by the test (as root) where the machine lacks it.
const ACCOUNT = 'steward-governed';

interface HookRun {
  code: number;
  stdout: string;
  stderr: string;
}

// `steward-agent hook claude-code` as Claude Code's command hook runs it: the input on stdin, the
// decision read from stdout (exit code 2 blocks, with the reason on stderr).
function hook(stateDir: string, input: object): Promise<HookRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--state-dir', stateDir, 'hook', 'claude-code'], {
      cwd: ROOT,
      // $HOME names another folder: the home comes from the user database.
      env: { ...process.env, HOME: path.join(os.tmpdir(), 'not-the-home') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(JSON.stringify(input));
  });
}

const read = (filePath: string) => ({ ...SAMPLE, tool_input: { file_path: filePath } });
const decision = (run: HookRun) =>
  (
    JSON.parse(run.stdout) as {
      hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
    }
  ).hookSpecificOutput;

// The built `steward-agent` answering Claude Code's sample PreToolUse input as its command hook,
// judged by the decision it prints; and the managed files written for a governed account other
// than the one the runtime runs as (root as a system service): the hook's `~`, the sandbox's home
// and the headers file's owner all come from that account in the user database.
describe('steward-agent hook claude-code and the governed account (real process)', () => {
  let base: string;
  const org = makeOrg();
  const grantWork = makePolicy({
    capabilities: ['agent'],
    folderRoots: [{ pattern: '~/work', access: 'read_write' }],
  });

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    if (spawnSync('getent', ['passwd', ACCOUNT]).status !== 0) {
      execFileSync('useradd', ['--create-home', '--home-dir', `/home/${ACCOUNT}`, ACCOUNT]);
    }
    expect(execFileSync('getent', ['passwd', ACCOUNT], { encoding: 'utf8' })).toContain(
      `:/home/${ACCOUNT}:`,
    );
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-cc-hook-')));
  }, 120_000);

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  function governed(name: string, account?: string): StateStore {
    const store = enrolledState(path.join(base, name), org);
    if (account) store.saveEnrolment({ ...store.enrolment()!, account });
    const accepted = new BundleManager(store, store.enrolment()!).accept(
      signedBundle(org, grantWork),
      null,
    );
    expect(accepted.verified).toBe(true);
    return store;
  }

  it('blocks without an enrolment and denies every call without a valid bundle', async () => {
    const unenrolled = await hook(path.join(base, 'none'), SAMPLE);
    expect(unenrolled).toMatchObject({ code: 2, stdout: '' });
    expect(unenrolled.stderr).toContain('not enrolled');

    const store = enrolledState(path.join(base, 'no-bundle'), org);
    const noBundle = await hook(store.dir, SAMPLE);
    expect(noBundle.code).toBe(0);
    expect(decision(noBundle)).toMatchObject({ permissionDecision: 'deny' });
    expect(decision(noBundle).permissionDecisionReason).toContain('no valid policy bundle');
    const prompt = await hook(store.dir, { ...SAMPLE, hook_event_name: 'UserPromptSubmit' });
    expect(JSON.parse(prompt.stdout)).toMatchObject({ decision: 'block' });

    // A bundle signed by a key the endpoint does not trust is no bundle.
    const forged = enrolledState(path.join(base, 'forged'), org);
    const stranger = makeOrg(org.id);
    forged.saveBundle(signedBundle(stranger, grantWork), {
      version: 1,
      etag: null,
      acceptedAt: new Date().toISOString(),
    });
    expect(decision(await hook(forged.dir, read('/home/x/notes.md')))).toMatchObject({
      permissionDecision: 'deny',
    });
  });

  it("answers from the verified bundle with the governed account's home, not root's or $HOME", async () => {
    // Enrolled for the account: its ~/work is granted, its ~/.ssh is not readable.
    const store = governed('account', ACCOUNT);
    const notes = await hook(store.dir, read(`/home/${ACCOUNT}/work/notes.md`));
    expect(decision(notes)).toMatchObject({ permissionDecision: 'allow' });
    const key = await hook(store.dir, read(`/home/${ACCOUNT}/.ssh/id_ed25519`));
    expect(decision(key)).toMatchObject({ permissionDecision: 'deny' });
    expect(decision(key).permissionDecisionReason).toMatch(/^Steward: /);
    expect(decision(await hook(store.dir, read('/root/work/notes.md')))).toMatchObject({
      permissionDecision: 'deny',
    });
    const shell = await hook(store.dir, {
      ...SAMPLE,
      tool_name: 'Bash',
      tool_input: { command: 'ls' },
    });
    expect(decision(shell)).toMatchObject({ permissionDecision: 'deny' });
    expect(decision(shell).permissionDecisionReason).toContain('shell');

    // Enrolled without an account, the runtime governs the one it runs as: root's ~/work.
    const own = governed('own');
    expect(decision(await hook(own.dir, read('/root/work/notes.md')))).toMatchObject({
      permissionDecision: 'allow',
    });
    expect(decision(await hook(own.dir, read(`/home/${ACCOUNT}/work/notes.md`)))).toMatchObject({
      permissionDecision: 'deny',
    });
  });

  it("writes the exporter's headers for the governed account and hides its home from the shell", () => {
    const store = enrolledState(path.join(base, 'managed-state'), org);
    const enrolment = { ...store.enrolment()!, account: ACCOUNT };
    store.saveEnrolment(enrolment);
    const shell = makePolicy({
      capabilities: ['agent', 'shell'],
      folderRoots: [{ pattern: '~/work', access: 'read_write' }],
    });
    expect(
      new BundleManager(store, enrolment).accept(signedBundle(org, shell), null).verified,
    ).toBe(true);
    const managed = path.join(base, 'managed');
    applyClaudeCode(store, enrolment, 'http://127.0.0.1:4100/claude-code/hook', managed);
    const [, , uid] = execFileSync('getent', ['passwd', ACCOUNT], { encoding: 'utf8' }).split(':');
    const headers = fs.statSync(path.join(managed, 'otel-headers.json'));
    expect({ owner: headers.uid, mode: headers.mode & 0o777 }).toEqual({
      owner: Number(uid),
      mode: 0o600,
    });
    const settings = JSON.parse(
      fs.readFileSync(path.join(managed, 'managed-settings.json'), 'utf8'),
    ) as { sandbox: { filesystem: Record<string, string[]>; network: Record<string, string[]> } };
    expect(settings.sandbox.filesystem.denyRead).toEqual(
      expect.arrayContaining([
        `/home/${ACCOUNT}`,
        store.dir,
        path.join(managed, 'otel-headers.json'),
      ]),
    );
    expect(settings.sandbox.filesystem.allowRead).toEqual([`/home/${ACCOUNT}/work`]);
    expect(settings.sandbox.network.allowedDomains).toContain('127.0.0.1:4100');
  });

  it('refuses to enrol for an account the user database does not know, before enrolling', async () => {
    const stateDir = path.join(base, 'unknown-account');
    const run = await new Promise<HookRun>((resolve) => {
      const child = spawn(
        process.execPath,
        [CLI, '--state-dir', stateDir, 'enrol', '--server', 'http://127.0.0.1:9'].concat([
          '--token',
          'stw_enrol_x',
          '--user',
          'alice@example.com',
          '--account',
          'no-such-login',
        ]),
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no local account named no-such-login');
    expect(fs.existsSync(path.join(stateDir, 'enrolment.json'))).toBe(false);
  });
});
