import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

// The repository, whether this runs as source (test/support) or compiled for the benchmarks
// (dist/test/support).
const HERE = path.join(__dirname, '..', '..', '..');
export const ROOT = path.basename(HERE) === 'dist' ? path.dirname(HERE) : HERE;
const execFileAsync = promisify(execFile);

// The built code, as a user runs it: `npm install` builds it; tests build what changed.
export async function buildOnce(): Promise<void> {
  await execFileAsync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  bin: 'steward' | 'steward-agent',
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin', `${bin}.js`), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// A loopback port nothing listens on right now.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// Signals a child process (if it still runs) and resolves once it has exited.
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// The API as a separate process (`node dist/.../main.js`), resolved once it prints its banner.
export async function startServerProcess(
  env: Record<string, string | undefined>,
  entry = 'dist/apps/admin-api/src/main.js',
  ready = /Steward is running|worker is running/,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const port = /localhost:(\d+)\//.exec(output)?.[1] ?? env.PORT;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: (signal = 'SIGTERM') => stopProcess(child, signal),
  };
}
