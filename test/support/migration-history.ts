import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPaths } from '../../apps/admin-api/src/platform/database/schema-engine';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/**
 * The released migrations a squash replaced, by name: test/fixtures/<fixture>.json holds each
 * migration.sql byte for byte (as data: frozen history, not code to share).
 */
export async function releasedMigrations(fixture: string): Promise<Record<string, string>> {
  return JSON.parse(await fs.readFile(path.join(FIXTURES, `${fixture}.json`), 'utf8')) as Record<
    string,
    string
  >;
}

/**
 * A migrations folder as it was before a squash: the committed migrations with the released ones
 * put back (the squash's own folder gets its old contents).
 */
export async function migrationsBeforeSquash(fixture: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-old-migrations-'));
  await fs.cp(defaultPaths().migrationsDir, dir, { recursive: true });
  for (const [name, script] of Object.entries(await releasedMigrations(fixture))) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    await fs.writeFile(path.join(dir, name, 'migration.sql'), script);
  }
  return dir;
}

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** `pg_dump --schema-only` of a Postgres database, without its per-run restrict key. */
export function dumpSchema(url: string): string {
  const dump = execFileSync('pg_dump', ['--schema-only', '--dbname', url], { encoding: 'utf8' });
  return dump.replace(/^\\(un)?restrict .*$/gm, '');
}

// What the schema holds, one line per object in a stable order, from the catalogs: for PGlite,
// which pg_dump (older than PGlite's Postgres 18) cannot read.
const CATALOG_SCHEMA = `
  SELECT 'relation ' || c.relname || ' ' || c.relkind::text AS line
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('column %s.%s %s %s %s null=%s default=%s', table_name, ordinal_position,
    column_name, udt_name, coalesce(character_maximum_length, numeric_precision, 0), is_nullable,
    coalesce(column_default, ''))
  FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL
  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'function ' || pg_get_functiondef(oid)
  FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind = 'f'
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
  WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname
  ORDER BY line`;

export async function catalogSchema(query: Query): Promise<string[]> {
  return (await query(CATALOG_SCHEMA)).map((row) => String(row.line));
}

/** The migration records: name, checksum and steps, by name. */
export async function migrationRecords(query: Query): Promise<Record<string, unknown>[]> {
  return query(
    `SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations
     WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  );
}
