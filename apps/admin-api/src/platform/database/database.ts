import { Client } from 'pg';
import { Config } from '../../config/config';
import { connectEmbeddedDatabase, openEmbeddedDatabase } from './embedded';
import { applyMigrations } from './migrations';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export const DATABASE = Symbol('DatabaseHandle');

// The system of record for this process: the configured Postgres, or the embedded one in the data
// folder. Either way it is migrated before anything reads it (migrations take an advisory lock,
// so replicas starting together apply each migration once). A 'client' (the CLI) reaches an
// embedded database through the server process that holds it when one runs: PGlite must never be
// opened by two processes.
export async function openDatabase(
  config: Config,
  mode: 'server' | 'client',
): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) {
    await assertReachable(config.DATABASE_URL);
    await applyMigrations(config.DATABASE_URL);
    return { url: config.DATABASE_URL, embedded: false, close: async () => undefined };
  }
  const embedded = await (mode === 'server' ? openEmbeddedDatabase : connectEmbeddedDatabase)(
    config.STEWARD_DATA_DIR,
  );
  return { url: embedded.url, embedded: true, close: () => embedded.close() };
}

const CONNECT_TIMEOUT_MS = 5000;

export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
}

// One plain connection first, so a wrong URL is reported as such (host, database, cause) instead
// of as a schema-engine failure deep inside the migration step.
async function assertReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const { hostname, port, pathname } = new URL(url);
    const cause = error as { code?: string; message?: string };
    throw new DatabaseUnreachableError(
      `cannot reach the database ${pathname.slice(1) || '(default)'} at ${hostname}:${port || 5432} (DATABASE_URL): ${[cause.code, cause.message].filter(Boolean).join(' ')}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
