import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BundleManager } from '../../apps/agent-runtime/src/control-plane/bundle-manager';
import {
  enrolledState,
  makeOrg,
  makePolicy,
  signedBundle,
} from '../../apps/agent-runtime/test-support/signed-bundles';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/apps/agent-runtime/src/main.js');
const KEY = 'ACCOUNT-PRIVATE-KEY';

// Attack test: the forbidden locations are placed in the home folder of the account the runtime
// runs as (from the user database), so setting $HOME elsewhere cannot open them. The runtime runs
// as root in a private mount namespace where a scratch folder stands in for root's home, /root,
// holding an SSH key; it is judged by what reaches the person's output and that folder.
describe("the account's home, not $HOME, places the forbidden locations (attack test)", () => {
  let base: string;
  let home: string;
  let stateDir: string;
  let script: string;

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    expect(os.userInfo().homedir).toBe('/root');
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-home-')));
    home = path.join(base, 'root');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), KEY);
    fs.mkdirSync(path.join(base, 'decoy'));
    stateDir = path.join(base, 'state');
    const org = makeOrg();
    const store = enrolledState(stateDir, org);
    const policy = makePolicy(
      { capabilities: ['agent', 'auto_approve_plans', 'shell'] },
      { autoApprove: true },
    );
    expect(
      new BundleManager(store, store.enrolment()!).accept(signedBundle(org, policy), null),
    ).toMatchObject({ verified: true });
    script = path.join(base, 'script.json');
    fs.writeFileSync(
      script,
      JSON.stringify({
        steps: [
          { tool: 'read_file', input: { path: '/root/.ssh/id_rsa' } },
          { tool: 'write_file', input: { path: '/root/.ssh/authorized_keys', content: 'evil' } },
          { tool: 'shell', input: { command: 'cat /root/.ssh/id_rsa; echo evil >> /root/.ssh/x' } },
          { final: 'done' },
        ],
      }),
    );
  }, 180_000);

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  function run(folder: string): Promise<{ code: number; output: string }> {
    const command =
      `mount --bind ${home} /root && exec ${process.execPath} ${CLI} --state-dir ${stateDir} ` +
      `run --task t --folder ${folder} --approve auto --script ${script} --json`;
    return new Promise((resolve) => {
      execFile(
        'unshare',
        ['-m', '--propagation', 'private', 'sh', '-c', command],
        { env: { ...process.env, HOME: path.join(base, 'decoy'), ANTHROPIC_API_KEY: '' } },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
            output: stdout + stderr,
          }),
      );
    });
  }

  it.each(['/root', '/root/.ssh'])(
    'refuses a grant of %s with $HOME pointing elsewhere, and nothing is read or written there',
    async (folder) => {
      const result = await run(folder);
      expect(result.output).not.toContain(KEY);
      expect(result.code).toBe(3);
      expect(result.output).toMatch(/may not be granted/);
      expect(fs.readdirSync(path.join(home, '.ssh'))).toEqual(['id_rsa']);
    },
    120_000,
  );
});
