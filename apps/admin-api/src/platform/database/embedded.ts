import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { applyMigrations } from './migrations';
import { PgliteSessionQueue } from './pglite-session-queue';

// The zero-setup database: PGlite (Postgres compiled to WebAssembly) persisted in the data folder
// and served on 127.0.0.1 over the Postgres wire protocol, so the app and the CLI use the normal
// PrismaPg adapter. PGlite must never be opened by two processes at once (it would corrupt the
// data folder), so the opener holds a pid lock file and other processes connect to its server.

export interface EmbeddedDatabase {
  /** postgres:// URL for PrismaPg / pg. */
  url: string;
  /** Stops the server and closes PGlite if this process opened it; otherwise does nothing. */
  close(): Promise<void>;
}

interface ServerInfo {
  pid: number;
  port: number;
}

const LOCK_FILE = 'embedded-db.lock';
const INFO_FILE = 'embedded-db.json';
// pglite-socket rejects connections beyond maxConnections (default 1); Prisma's pool plus the job
// runner and a CLI need more. Queries are serialised inside PGlite either way, an exchange at a time.
const MAX_CONNECTIONS = 32;

// The server's own queue interleaves connections' queries (see pglite-session-queue.ts); it is
// replaced before the first connection, the only time the server reads it. Checked, so a release
// that renames the field fails at start rather than running with the broken queue.
function withSessionQueue(server: PGLiteSocketServer, db: PGlite): void {
  const internals = server as unknown as { queryQueue?: unknown };
  if (!internals.queryQueue) {
    throw new Error('pglite-socket changed: its query queue is not where Steward replaces it');
  }
  internals.queryQueue = new PgliteSessionQueue(db);
}

export class EmbeddedDatabaseLockedError extends Error {
  override readonly name = 'EmbeddedDatabaseLockedError';
}

function urlFor(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function readInfo(dataDir: string): Promise<ServerInfo | undefined> {
  try {
    const info = JSON.parse(await fs.readFile(path.join(dataDir, INFO_FILE), 'utf8')) as ServerInfo;
    return Number.isInteger(info.pid) && Number.isInteger(info.port) ? info : undefined;
  } catch {
    return undefined;
  }
}

// Creates the lock file holding our pid, or reports the live pid that holds it. A lock left by a
// dead process (kill -9, crash) is taken over; the takeover itself is guarded by a second
// exclusive file so two processes can't both remove the stale lock and both win.
async function acquireLock(
  dataDir: string,
): Promise<{ held: true } | { held: false; pid: number }> {
  const lock = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await fs.writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return { held: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = await readPid(lock);
    if (pid !== undefined && isAlive(pid)) return { held: false, pid };
    const guard = `${lock}.takeover`;
    try {
      await fs.writeFile(guard, `${process.pid}\n`, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const guardPid = await readPid(guard);
      if (guardPid === undefined || !isAlive(guardPid)) await fs.rm(guard, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    try {
      // Re-check under the guard: another process may have taken over in between.
      const current = await readPid(lock);
      if (current === pid) await fs.rm(lock, { force: true });
    } finally {
      await fs.rm(guard, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${lock}`);
}

async function releaseLock(dataDir: string): Promise<void> {
  const lock = path.join(dataDir, LOCK_FILE);
  if ((await readPid(lock)) === process.pid) await fs.rm(lock, { force: true });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Opens the embedded database in `dataDir` (PGlite in `dataDir/pgdata`), migrates it and serves it
 * on a free 127.0.0.1 port. Throws EmbeddedDatabaseLockedError if a live process holds it.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  await fs.mkdir(dataDir, { recursive: true });
  const lock = await acquireLock(dataDir);
  if (!lock.held) {
    throw new EmbeddedDatabaseLockedError(
      `The embedded database in ${dataDir} is already open in process ${lock.pid}.`,
    );
  }
  return openLocked(dataDir);
}

async function openLocked(dataDir: string): Promise<EmbeddedDatabase> {
  const infoFile = path.join(dataDir, INFO_FILE);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    await fs.rm(infoFile, { force: true }); // left by a dead owner
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') });
    // In process, before serving: the socket server would funnel the engine's connections
    // through one PGlite session anyway, and nobody may use an unmigrated database.
    await applyMigrations(db);
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: MAX_CONNECTIONS,
    });
    withSessionQueue(server, db);
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    const info: ServerInfo = { pid: process.pid, port };
    // Write then rename, so a reader never sees half a file.
    await fs.writeFile(`${infoFile}.${process.pid}`, JSON.stringify(info));
    await fs.rename(`${infoFile}.${process.pid}`, infoFile);
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await releaseLock(dataDir);
    throw error;
  }
  const [openDb, openServer] = [db, server];
  const port = Number(openServer.getServerConn().split(':').pop());
  let closing: Promise<void> | undefined;
  return {
    url: urlFor(port),
    close: () =>
      (closing ??= (async () => {
        await openServer.stop();
        await openDb.close();
        await fs.rm(infoFile, { force: true });
        await releaseLock(dataDir);
      })()),
  };
}

/**
 * For the CLI and other processes: the URL of the server that already owns `dataDir`, or, when
 * nobody does, opens it here (as openEmbeddedDatabase). Never opens PGlite a second time.
 */
export async function connectEmbeddedDatabase(
  dataDir: string,
  { startupWaitMs = 5000 }: { startupWaitMs?: number } = {},
): Promise<EmbeddedDatabase> {
  await fs.mkdir(dataDir, { recursive: true });
  // The owner writes its port only after migrating, so give a starting server a moment.
  const deadline = Date.now() + startupWaitMs;
  for (;;) {
    const lock = await acquireLock(dataDir);
    if (lock.held) return openLocked(dataDir);
    const info = await readInfo(dataDir);
    if (info && info.pid === lock.pid && (await answers(info.port))) {
      return { url: urlFor(info.port), close: async () => undefined };
    }
    if (Date.now() >= deadline) {
      const where = info && info.pid === lock.pid ? `on port ${info.port}` : 'on any port';
      throw new EmbeddedDatabaseLockedError(
        `The embedded database in ${dataDir} is locked by live process ${lock.pid}, ` +
          `which does not answer ${where}. Stop that process (or, if it is not Steward, ` +
          `remove ${path.join(dataDir, LOCK_FILE)}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
