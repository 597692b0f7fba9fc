import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DatabaseHandle } from './database';

const logger = new Logger('Database');

// A `pg` pool beside Prisma's, for the hot paths that send SQL themselves (spend calls, event
// ingest). Every pool gets an error handler: an idle connection that Postgres drops (a restart, a
// failover, an idle timeout on a proxy) is then discarded and replaced on the next checkout, where
// a pool without one emits an unhandled 'error' that ends the process.
export function createPgPool(
  database: DatabaseHandle,
  options: { label: string; max: number },
): pg.Pool {
  const pool = new pg.Pool({ connectionString: database.url, max: options.max });
  pool.on('error', (error) =>
    logger.warn(`${options.label}: an idle database connection failed: ${error.message}`),
  );
  return pool;
}

// The name of a prepared statement, or none on the embedded database. pglite-socket serves every
// connection from one Postgres session (RECIPES.md), so a name the first connection prepared
// already exists for the second, which then fails with `prepared statement "…" already exists`.
// On Postgres a name lets each connection parse and plan the statement once.
export function statementName(database: DatabaseHandle, name: string): string | undefined {
  return database.embedded ? undefined : name;
}
