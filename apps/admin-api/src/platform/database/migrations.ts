import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { MigrationPGliteFactory, MigrationPgFactory, pgConfig } from './migration-adapters';
import {
  defaultPaths,
  type EnginePaths,
  LOCKFILE,
  MigrationHistoryError,
  NO_FILTER,
  readMigrations,
  withEngine,
} from './schema-engine';
import {
  baselineSquashedMigrations,
  logBaselined,
  type TransactionQuery,
} from './squashed-migrations';

// Committed SQL migrations under prisma/migrations, applied and recorded in `_prisma_migrations`
// exactly like `prisma migrate deploy` (same table, checksums and advisory lock), but on the
// WebAssembly schema engine, because the native one cannot be downloaded here.

/** A Postgres connection string, or an open in-process PGlite instance. */
export type MigrationTarget = string | PGlite;

export type MigrationOptions = Partial<EnginePaths>;

function factoryFor(target: MigrationTarget): SqlMigrationAwareDriverAdapterFactory {
  return typeof target === 'string'
    ? new MigrationPgFactory(target)
    : new MigrationPGliteFactory(target);
}

function paths(options: MigrationOptions): EnginePaths {
  return { ...defaultPaths(), ...options };
}

// Runs `work` in one transaction on the target (committed when it returns, rolled back if it throws).
async function inTransaction<T>(
  target: MigrationTarget,
  work: (query: TransactionQuery) => Promise<T>,
): Promise<T> {
  if (typeof target !== 'string') {
    return target.transaction((tx) =>
      work(async (sql, params) => (await tx.query<Record<string, unknown>>(sql, params)).rows),
    );
  }
  const client = new pg.Client(pgConfig(target));
  await client.connect();
  try {
    await client.query('BEGIN');
    const result = await work(async (sql, params) => (await client.query(sql, params)).rows);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Applies the committed migrations not yet applied to `target`, like `prisma migrate deploy`.
 * Refuses (without applying anything) when a migration failed earlier or an applied migration
 * was edited since. A database that applied migrations since squashed into one is first recorded
 * as having applied the squash (squashed-migrations.ts). Returns the names applied; empty when the
 * database is up to date.
 */
export async function applyMigrations(
  target: MigrationTarget,
  options: MigrationOptions = {},
): Promise<string[]> {
  const { migrationsDir } = paths(options);
  const migrationsList = await readMigrations(migrationsDir);
  logBaselined(
    await inTransaction(target, (query) => baselineSquashedMigrations(query, migrationsList)),
  );
  return withEngine(factoryFor(target), undefined, async (engine) => {
    // `migrate deploy` alone ignores edited migrations; a control plane should not.
    const history = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
    if (history.failedMigrationNames.length > 0) {
      throw new MigrationHistoryError(
        `Migration(s) ${history.failedMigrationNames.join(', ')} failed earlier on this database. ` +
          'Fix the database by hand, then mark the migration rolled back (or applied) before retrying.',
      );
    }
    if (history.editedMigrationNames.length > 0) {
      throw new MigrationHistoryError(
        `Migration(s) ${history.editedMigrationNames.join(', ')} were changed after they were ` +
          'applied to this database. Restore the committed migration.sql; put new changes in a new migration.',
      );
    }
    if (history.history === null) return []; // up to date: the common, fast path
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: NO_FILTER,
    });
    return appliedMigrationNames;
  });
}

export interface SchemaToolOptions extends MigrationOptions {
  /** Postgres server used to create the throwaway shadow database. Default: in-memory PGlite. */
  shadowUrl?: string;
}

// The shadow database replays the migrations to learn what they produce. By default we use an
// in-memory PGlite (the migrations-only diff never touches it as a "main" database, and it needs
// no server). `shadowUrl` uses a real Postgres server instead (shadow database created and
// dropped there), e.g. to diff with the exact production Postgres version.
async function withShadowEngine<T>(
  options: SchemaToolOptions,
  work: Parameters<typeof withEngine<T>>[2],
): Promise<T> {
  const { schemaPath } = paths(options);
  if (options.shadowUrl)
    return withEngine(new MigrationPgFactory(options.shadowUrl), schemaPath, work);
  const main = await PGlite.create();
  try {
    return await withEngine(new MigrationPGliteFactory(main), schemaPath, work);
  } finally {
    await main.close();
  }
}

// The SQL that takes the schema produced by replaying `migrationsDir` (in a shadow database) to
// `schemaPath`; '' when they agree.
async function diffMigrationsToSchema(options: SchemaToolOptions): Promise<string> {
  const { migrationsDir, schemaPath } = paths(options);
  const migrationsList = await readMigrations(migrationsDir);
  const schema = await fs.readFile(schemaPath, 'utf8');
  // The engine wants the lock file to know the connector; a first migration has neither.
  migrationsList.lockfile.content ??= LOCK_CONTENT;
  return withShadowEngine(options, async (engine) => {
    const { stdout } = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: false,
      filters: NO_FILTER,
    });
    const sql = stdout ?? '';
    // An empty diff is rendered as a lone comment.
    return sql.trim() === '' || sql.trim() === '-- This is an empty migration.' ? '' : sql;
  });
}

/**
 * The SQL that would bring the migrations in line with prisma/schema.prisma; '' when in sync.
 * CI runs it (the drift spec) so a schema change without its migration fails the build.
 */
export function migrationDrift(options: SchemaToolOptions = {}): Promise<string> {
  return diffMigrationsToSchema(options);
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the changes schema.prisma makes
 * over the existing migrations. Returns the folder name, or undefined when there is nothing to do.
 */
export async function createMigration(
  name: string,
  options: SchemaToolOptions = {},
): Promise<string | undefined> {
  if (!/^[a-z0-9_]+$/i.test(name)) {
    throw new Error(
      `Migration name must be letters, digits and underscores: ${JSON.stringify(name)}`,
    );
  }
  // Not the engine's createMigration: it only gets a shadow database after a devDiagnostic that
  // found the *main* database in sync with the migrations (so it would need a migrated scratch
  // database too), and fails with "shadow DB must be provided through an external factory"
  // otherwise. The diff below replays the migrations in a shadow database and produces the same
  // script (checked: identical to the engine's output for our init migration).
  const script = await diffMigrationsToSchema(options);
  if (script === '') return undefined;
  const { migrationsDir } = paths(options);
  const folder = `${timestamp(new Date())}_${name}`;
  await fs.mkdir(path.join(migrationsDir, folder), { recursive: true });
  await fs.writeFile(path.join(migrationsDir, folder, 'migration.sql'), script);
  await fs.writeFile(path.join(migrationsDir, LOCKFILE), LOCK_CONTENT);
  return folder;
}

// Prisma's folder prefix: UTC YYYYMMDDHHMMSS.
function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const LOCK_CONTENT =
  '# Please do not edit this file manually\n' +
  '# It should be added in your version-control system (e.g., Git)\n' +
  'provider = "postgresql"\n';
