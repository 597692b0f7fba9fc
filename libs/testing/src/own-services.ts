import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { freePort } from './processes';

// Services of a test's own, for tests that restart or stop them: the shared Postgres and Redis
// (127.0.0.1:5432 and :6379) serve everyone's tests and are never disturbed.

// Debian keeps the server binaries out of PATH, one folder per major version.
function postgresBin(tool: string): string {
  const onPath = process.env.PATH?.split(path.delimiter)
    .map((dir) => path.join(dir, tool))
    .find((file) => fs.existsSync(file));
  if (onPath) return onPath;
  const versions = fs.existsSync('/usr/lib/postgresql')
    ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
  const found = versions
    .map((version) => path.join('/usr/lib/postgresql', version, 'bin', tool))
    .find((file) => fs.existsSync(file));
  if (!found) throw new Error(`${tool} not found (is the Postgres server installed?)`);
  return found;
}

export interface OwnPostgres {
  url: string;
  port: number;
  // Stops the server (fast mode: sessions are terminated) and starts it again on the same port.
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  // Stops the server and removes its folder.
  destroy(): Promise<void>;
}

// Postgres refuses to run as root: as root, the cluster belongs to the `postgres` user.
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

// A cluster of the test's own: initdb in a temporary folder, trust authentication, a free port.
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-own-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]) => {
    const [command, argv] = asServerUser(postgresBin(tool), args);
    execFileSync(command, argv, { stdio: 'pipe' });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', 'start']);
  };
  const stop = async () => {
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    restart: async ({ downMs = 0 } = {}) => {
      await stop();
      if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    destroy: async () => {
      await stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Resolves once a plain connection to `url` answers a query.
export async function databaseAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  // Starts it again on the same port, empty (no persistence), as a restarted Redis comes back.
  start(): Promise<void>;
}

// A redis-server of the test's own on a free port, without persistence.
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let server: ChildProcess | null = null;
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; ; attempt++) {
      // A fresh probe per attempt: ioredis keeps reconnecting a client whose first connect failed.
      const probe = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: async () => {
      const running = server as ChildProcess | null;
      server = null;
      if (!running || running.exitCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
  };
}
