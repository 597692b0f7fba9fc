import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ToolError } from '../tool-error';
import { FileTools, type PathDecider } from './file-tools';
import { GrantedFolders, parseGrant } from './granted-folders';

const allowAll: PathDecider = () => ({ decision: 'allow', rule: 'test: allow' });

function expectRefused(fn: () => unknown, rule?: string) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ToolError);
  expect((caught as ToolError).outcome).toBe('refused');
  if (rule) expect((caught as ToolError).rule).toBe(rule);
}

describe('file tools confined by openat2 (attack tests)', () => {
  let base: string;
  let work: string;
  let outside: string;
  let folders: GrantedFolders;
  let tools: FileTools;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-files-')));
    work = path.join(base, 'root');
    outside = path.join(base, 'outside');
    fs.mkdirSync(work);
    fs.mkdirSync(outside);
    fs.mkdirSync(path.join(base, 'root-evil'));
    fs.writeFileSync(path.join(base, 'root-evil', 'secret.txt'), 'SECRET');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET');
    fs.writeFileSync(path.join(work, 'notes.md'), 'hello notes');
    folders = GrantedFolders.open([parseGrant(work)]);
    tools = new FileTools(folders, allowAll);
  });

  afterEach(() => {
    folders.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('reads, writes, lists, moves and searches inside the grant', () => {
    expect(tools.readFile('notes.md').content).toBe('hello notes');
    expect(tools.writeFile('out/summary.md', 'sum')).toMatchObject({ created: true, bytes: 3 });
    expect(tools.writeFile('out/summary.md', 'summary')).toMatchObject({ created: false });
    expect(fs.readFileSync(path.join(work, 'out/summary.md'), 'utf8')).toBe('summary');
    expect(tools.listDir().entries.map((e) => e.name)).toEqual(['notes.md', 'out']);
    tools.move('out/summary.md', 'archive/summary.md');
    expect(fs.existsSync(path.join(work, 'archive/summary.md'))).toBe(true);
    expect(tools.search('notes').matches).toEqual([
      { file: path.join(work, 'notes.md'), line: 1, text: 'hello notes' },
    ]);
    expect(tools.readFile(path.join(work, 'notes.md')).content).toBe('hello notes');
  });

  it('refuses traversal with .., absolute paths outside, sibling prefixes and ~', () => {
    expectRefused(() => tools.readFile('../outside/secret.txt'), 'path.outside-grant');
    fs.mkdirSync(path.join(work, 'sub'));
    expectRefused(() => tools.readFile('sub/../../outside/secret.txt'), 'path.outside-grant');
    expectRefused(() => tools.readFile(path.join(outside, 'secret.txt')), 'path.outside-grant');
    expectRefused(() => tools.readFile(`${work}/../outside/secret.txt`), 'path.outside-grant');
    expectRefused(() => tools.readFile(`${work}-evil/secret.txt`), 'path.outside-grant');
    expectRefused(() => tools.writeFile('../outside/new.txt', 'x'), 'path.outside-grant');
    expectRefused(() => tools.listDir('..'), 'path.outside-grant');
    expectRefused(() => tools.move('notes.md', '../outside/notes.md'));
    // `~` is not expanded: it names a file called "~" inside the grant, which does not exist.
    expect(() => tools.readFile('~/.ssh/id_rsa')).toThrow(/does not exist/);
    expect(fs.existsSync(path.join(outside, 'new.txt'))).toBe(false);
  });

  it('refuses symbolic links to files, to folders, and dangling ones', () => {
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(work, 'link.txt'));
    fs.symlinkSync(outside, path.join(work, 'linkdir'));
    fs.symlinkSync(path.join(outside, 'created.txt'), path.join(work, 'dangling.txt'));
    expectRefused(() => tools.readFile('link.txt'), 'path.symlink');
    expectRefused(() => tools.readFile('linkdir/secret.txt'), 'path.symlink');
    expectRefused(() => tools.writeFile('link.txt', 'overwrite'), 'path.symlink');
    expectRefused(() => tools.writeFile('dangling.txt', 'create'), 'path.symlink');
    expectRefused(() => tools.writeFile('linkdir/new/x.txt', 'x'), 'path.symlink');
    expectRefused(() => tools.listDir('linkdir'), 'path.symlink');
    expect(tools.search('SECRET').matches).toEqual([]);
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('SECRET');
    expect(fs.existsSync(path.join(outside, 'created.txt'))).toBe(false);
  });

  it('refuses hard links to files elsewhere, for reading and for writing', () => {
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(work, 'hard.txt'));
    expectRefused(() => tools.readFile('hard.txt'), 'path.hard-link');
    expectRefused(() => tools.writeFile('hard.txt', 'overwritten'), 'path.hard-link');
    expect(tools.search('SECRET')).toMatchObject({ matches: [], skipped: 1 });
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('SECRET');
  });

  it('does not hang on a FIFO planted in the folder', () => {
    fs.mkdirSync(path.join(work, 'pipes'));
    const fifo = path.join(work, 'pipes', 'fifo');
    spawn('mkfifo', [fifo]).once('exit', () => undefined);
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!fs.existsSync(fifo)) return setImmediate(check);
        expectRefused(() => tools.readFile('pipes/fifo'), 'path.not-regular');
        expectRefused(() => tools.writeFile('pipes/fifo', 'x'), 'path.not-regular');
        resolve();
      };
      check();
    });
  });

  it('refuses every write to a read-only grant', () => {
    const readOnlyDir = path.join(base, 'ro');
    fs.mkdirSync(readOnlyDir);
    fs.writeFileSync(path.join(readOnlyDir, 'keep.txt'), 'keep');
    const both = GrantedFolders.open([parseGrant(work), parseGrant(`${readOnlyDir}:ro`)]);
    const twoGrants = new FileTools(both, allowAll);
    try {
      expect(twoGrants.readFile(path.join(readOnlyDir, 'keep.txt')).content).toBe('keep');
      const target = path.join(readOnlyDir, 'keep.txt');
      expectRefused(() => twoGrants.writeFile(target, 'changed'), 'grant.read-only');
      expectRefused(() => twoGrants.writeFile(path.join(readOnlyDir, 'new.txt'), 'x'));
      expectRefused(() => twoGrants.move(target, 'stolen.txt'), 'grant.read-only');
      expectRefused(() => twoGrants.move('notes.md', path.join(readOnlyDir, 'n.md')));
      expect(fs.readdirSync(readOnlyDir)).toEqual(['keep.txt']);
      expect(fs.readFileSync(target, 'utf8')).toBe('keep');
    } finally {
      both.close();
    }
  });

  it('applies the bundle path rules inside a grant', () => {
    fs.writeFileSync(path.join(work, '.env'), 'TOKEN=1');
    const denyEnv: PathDecider = (target) =>
      path.basename(target.absolute) === '.env'
        ? { decision: 'deny', rule: 'folder rule: **/.env' }
        : { decision: 'allow', rule: 'grant' };
    const guarded = new FileTools(folders, denyEnv);
    expectRefused(() => guarded.readFile('.env'), 'folder rule: **/.env');
    expect(guarded.search('TOKEN')).toMatchObject({ matches: [], skipped: 1 });
  });

  it('never leaks while a symbolic link is swapped in and out during reads', async () => {
    fs.writeFileSync(path.join(work, 'swap.txt'), 'GOOD');
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs=require('fs');process.chdir(${JSON.stringify(work)});
         for(;;){try{fs.symlinkSync(${JSON.stringify(path.join(outside, 'secret.txt'))},'l.tmp');
         fs.renameSync('l.tmp','swap.txt');fs.writeFileSync('f.tmp','GOOD');
         fs.renameSync('f.tmp','swap.txt');}catch{}}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      let good = 0;
      let refusals = 0;
      let leaks = 0;
      for (let i = 0; i < 3000 || good === 0 || refusals === 0; i += 1) {
        try {
          const { content } = tools.readFile('swap.txt');
          if (content.includes('SECRET')) leaks += 1;
          else good += 1;
        } catch (error) {
          if (error instanceof ToolError && error.outcome === 'refused') refusals += 1;
        }
        if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(leaks).toBe(0);
      expect(good).toBeGreaterThan(0);
      expect(refusals).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
  });
});
