import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

// A fresh clone's first build writes every step's stamp, so the second start (`npm start`, a CLI
// call, `npm test`'s pretest) rebuilds nothing. Played on a copy of the repository's files with
// no dist/ and no generated client, as a clone has.
describe('scripts/build.mjs on a fresh clone', () => {
  let clone: string;
  const build = () =>
    execFileSync(process.execPath, [path.join(clone, 'scripts/build.mjs'), '--no-console'], {
      cwd: clone,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(() => {
    clone = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-clone-'));
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(clone, file));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  });

  afterAll(() => {
    if (clone) fs.rmSync(clone, { recursive: true, force: true });
  });

  it('builds the Prisma client and the TypeScript once, then nothing on the second start', () => {
    const first = build();
    expect(first).toMatch(/build: prisma client/);
    expect(first).toMatch(/build: typescript/);
    expect(fs.readdirSync(path.join(clone, 'dist/.stamps')).sort()).toEqual([
      'prisma',
      'typescript',
    ]);
    expect(build()).toBe('');
  }, 120_000);
});

// `npm test` on a machine without the sandbox's or the browser tests' commands: as root with apt
// they are installed (CI's path); otherwise one screen names the command, and the run stops there.
describe('scripts/system-packages.mjs (npm test on a fresh machine)', () => {
  const script = path.join(ROOT, 'scripts/system-packages.mjs');
  const run = (PATH: string) => {
    try {
      const stdout = execFileSync(process.execPath, [script], {
        env: { ...process.env, PATH },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { status: 0, output: stdout };
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      return { status: failed.status, output: failed.stdout + failed.stderr };
    }
  };

  it('stops with the install command when the commands are missing and apt cannot install them', () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-bare-path-'));
    try {
      const { status, output } = run(bare);
      expect(status).toBe(1);
      expect(output).toContain('apt-get install -y bubblewrap socat ripgrep chromium');
      for (const command of ['bwrap', 'socat', 'rg', 'chromium']) expect(output).toContain(command);
      expect(output).not.toMatch(/^\s+at /m);
      expect(output.split('\n').length).toBeLessThan(20);
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it('says nothing and lets the run go on when every command is there', () => {
    expect(run(process.env.PATH!)).toEqual({ status: 0, output: '' });
  });
});
