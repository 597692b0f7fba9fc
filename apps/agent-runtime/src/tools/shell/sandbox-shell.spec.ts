import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SandboxShell, sandboxHealth } from './sandbox-shell';

// Attack tests against the real bubblewrap sandbox: commands see and change only the grant.
describe('shell in the OS sandbox (attack tests)', () => {
  let base: string;
  let work: string;
  let readOnly: string;
  let outside: string;
  let shell: SandboxShell;
  let server: http.Server;
  let port: number;
  // The Host header of every request that reached the listener.
  const reached: string[] = [];

  beforeAll(async () => {
    expect(sandboxHealth()).toEqual({ available: true, problems: [] });
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-shell-')));
    work = path.join(base, 'work');
    readOnly = path.join(base, 'reference');
    outside = path.join(base, 'outside');
    for (const dir of [work, readOnly, outside]) fs.mkdirSync(dir);
    fs.writeFileSync(path.join(work, 'notes.md'), 'notes');
    fs.writeFileSync(path.join(readOnly, 'ref.md'), 'reference');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'SECRET');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(work, 'link.txt'));
    // A hard link planted before the session: same inode as the file outside.
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(work, 'planted.txt'));
    server = http.createServer((req, res) => {
      reached.push(req.headers.host ?? '');
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    shell = await SandboxShell.start(
      [
        { root: work, access: 'write' },
        { root: readOnly, access: 'read' },
      ],
      // As the bundle lists it: only this name, resolved and dialled by the proxy outside.
      ['localhost'],
      { hidden: [], readOnly: [] },
    );
  });

  afterAll(async () => {
    await shell.stop();
    server.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('runs commands in the working folder and writes inside the grant', async () => {
    const result = await shell.run(
      'cat notes.md && echo out > made.txt && cat ../reference/ref.md',
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: 'notesreference' });
    expect(fs.readFileSync(path.join(work, 'made.txt'), 'utf8')).toBe('out\n');
  });

  it('cannot read outside the grant, directly or through a symbolic link', async () => {
    const direct = await shell.run(`cat ${outside}/secret.txt`);
    const viaLink = await shell.run('cat link.txt');
    const listing = await shell.run(`ls ${base}; ls ${os.homedir()}`);
    const planted = await shell.run('cat planted.txt');
    for (const result of [direct, viaLink, listing, planted]) {
      expect(result.stdout).not.toContain('SECRET');
    }
    expect(direct.exitCode).not.toBe(0);
    expect(viaLink.exitCode).not.toBe(0);
    expect(listing.stdout).not.toContain('outside');
  });

  it('cannot write outside the grant or into a read-only grant', async () => {
    const results = [
      await shell.run(`echo x > ${outside}/new.txt`),
      await shell.run(`echo x > ${outside}/secret.txt`),
      await shell.run('echo x > link.txt'),
      await shell.run(`echo x > ${readOnly}/ref.md`),
      await shell.run(`touch ${readOnly}/new.md`),
      await shell.run(`ln ${outside}/secret.txt hard.txt`),
      await shell.run('echo x > planted.txt'),
      await shell.run('echo x >> planted.txt'),
    ];
    for (const result of results) expect(result.exitCode).not.toBe(0);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('SECRET');
    expect(fs.readdirSync(readOnly)).toEqual(['ref.md']);
    expect(fs.readFileSync(path.join(readOnly, 'ref.md'), 'utf8')).toBe('reference');
  });

  it("does not pass the runtime's environment (API keys) to commands", async () => {
    process.env.STEWARD_TEST_SECRET_KEY = 'sk-do-not-leak';
    try {
      const result = await shell.run('env');
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toContain('sk-do-not-leak');
    } finally {
      delete process.env.STEWARD_TEST_SECRET_KEY;
    }
  });

  it('reaches no host that the bundle does not allow, directly or through the proxy', async () => {
    const attempts = [
      // Direct: the command has its own network namespace with nothing in it.
      `curl -fsS -m 5 --noproxy '*' http://127.0.0.1:${port}/`,
      `curl -fsS -m 5 --noproxy '*' http://localhost:${port}/`,
      // Through the proxy (which answers 403, hence -f): the listener by a name or address the
      // bundle does not list.
      `curl -fsS -m 5 --noproxy '' http://127.0.0.1:${port}/`,
      `curl -fsS -m 5 --noproxy '' http://sub.localhost:${port}/`,
      'curl -fsS -m 5 https://not-allowed.example.org/',
    ];
    for (const command of attempts) {
      const result = await shell.run(command);
      expect({ command, exitCode: result.exitCode }).not.toEqual({ command, exitCode: 0 });
      expect(result.stdout).not.toContain('reached');
    }
    expect(reached).toEqual([]);
  });

  it('reaches a host the bundle allows, through the proxy only', async () => {
    const result = await shell.run(`curl -sS -m 5 --noproxy '' http://localhost:${port}/`);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'reached' });
    expect(reached).toEqual([`localhost:${port}`]);
  });
});
