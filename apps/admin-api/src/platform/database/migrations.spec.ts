import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations, createMigration, migrationDrift } from './migrations';
import { defaultPaths } from './schema-engine';

const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

function urlWithDatabase(database: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// Each test gets its own database, dropped afterwards.
async function withDatabase(work: (url: string, query: QueryFn) => Promise<void>): Promise<void> {
  const name = `steward_test_${Math.random().toString(36).slice(2, 10)}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const client = new pg.Client({ connectionString: urlWithDatabase(name) });
  await client.connect();
  try {
    await work(urlWithDatabase(name), async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
}
type QueryFn = (sql: string) => Promise<Record<string, unknown>[]>;

// A scratch copy of the committed migrations that a test may extend or edit.
async function scratchMigrations(extra: Record<string, string> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-migrations-'));
  await fs.cp(defaultPaths().migrationsDir, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await fs.mkdir(path.join(dir, name));
    await fs.writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function committedMigrationNames(): Promise<string[]> {
  const entries = await fs.readdir(defaultPaths().migrationsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

describe('applyMigrations', () => {
  it('creates the tables on an empty database, then does nothing', async () => {
    await withDatabase(async (url, query) => {
      expect(await applyMigrations(url)).toEqual(await committedMigrationNames());
      const tables = await query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['Organization', '_prisma_migrations']),
      );
      expect(await applyMigrations(url)).toEqual([]);
    });
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const dir = await scratchMigrations();
    await withDatabase(async (url) => {
      await applyMigrations(url, { migrationsDir: dir });
      const [first] = await committedMigrationNames();
      await fs.appendFile(path.join(dir, first, 'migration.sql'), '\n-- edited\n');
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
        new RegExp(`${first}.*changed after`),
      );
    });
  });

  it('applies a failing migration all or nothing and does not record it as applied', async () => {
    const dir = await scratchMigrations({
      // `;` inside a $$ body: the stock adapter's split-on-`;` would break this.
      '90000000000000_function': `CREATE FUNCTION steward_one() RETURNS int AS $$
BEGIN
  RETURN 1;
END;
$$ LANGUAGE plpgsql;`,
      '90000000000001_broken': `CREATE TABLE "HalfApplied" (id int);\nSELECT 1 / 0;\n`,
    });
    await withDatabase(async (url, query) => {
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
        /division by zero/,
      );
      expect(await query(`SELECT steward_one() AS one`)).toEqual([{ one: 1 }]);
      expect(await query(`SELECT to_regclass('"HalfApplied"') AS t`)).toEqual([{ t: null }]);
      const rows = await query(
        `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL`,
      );
      expect(rows.map((r) => r.migration_name)).not.toContain('90000000000001_broken');
      // And the next start says so instead of carrying on.
      await expect(applyMigrations(url, { migrationsDir: dir })).rejects.toThrow(
        /90000000000001_broken failed earlier/,
      );
    });
  });
});

describe('migrations and schema.prisma', () => {
  // CI's drift check: fails when schema.prisma changed without `npm run migration:create`.
  it('agree (no drift)', async () => {
    const drift = await migrationDrift({ shadowUrl: SERVER_URL });
    if (drift !== '') {
      throw new Error(
        'prisma/schema.prisma and prisma/migrations disagree: run `npm run migration:create -- <name>` ' +
          `and commit the migration. Missing SQL:\n${drift}`,
      );
    }
  });

  it('a schema change is reported as drift, and createMigration writes it', async () => {
    const dir = await scratchMigrations();
    const schemaPath = path.join(dir, 'schema.prisma');
    const schema = await fs.readFile(defaultPaths().schemaPath, 'utf8');
    await fs.writeFile(schemaPath, `${schema}\nmodel DriftProbe {\n  id Int @id\n}\n`);
    const options = { migrationsDir: dir, schemaPath, shadowUrl: SERVER_URL };

    expect(await migrationDrift(options)).toContain('CREATE TABLE "DriftProbe"');
    const created = await createMigration('drift_probe', options);
    expect(created).toMatch(/^\d{14}_drift_probe$/);
    const sql = await fs.readFile(path.join(dir, created!, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "DriftProbe"');
    expect(await migrationDrift(options)).toBe('');
    expect(await createMigration('nothing', options)).toBeUndefined();
  });
});
