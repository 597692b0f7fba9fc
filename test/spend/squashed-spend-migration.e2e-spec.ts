import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { SpendService } from '../../apps/admin-api/src/modules/spend/spend.service';
import { openEmbeddedDatabase } from '../../apps/admin-api/src/platform/database/embedded';
import { applyMigrations } from '../../apps/admin-api/src/platform/database/migrations';
import { defaultPaths } from '../../apps/admin-api/src/platform/database/schema-engine';
import {
  migrationChecksum,
  SQUASHES,
} from '../../apps/admin-api/src/platform/database/squashed-migrations';
import { startTestApi, type TestApi } from '../support/api';
import {
  catalogSchema,
  dumpSchema,
  migrationRecords,
  migrationsBeforeSquash,
  type Query,
  releasedMigrations,
} from '../support/migration-history';
import { createTestDatabase, dropTestDatabase } from '@steward/testing';
import { lease, settle, spendFixture } from './spend-support';

// The spend feature's eight migrations were squashed into one (20261124040846_spend). A new
// database must get the schema the eight gave, and a database that applied the eight (as the
// previous release's `npm start` left it, on Postgres or in the embedded data folder) must start
// on the new code: the squash recorded as applied, nothing run again, spend working.
jest.setTimeout(300_000);

const FIXTURE = 'migrations-before-spend-squash';
const [SPEND] = SQUASHES;
const SQUASHED = SPEND!.migration;
const REPLACED = Object.keys(SPEND!.replaced);
const BASELINE_LOG = `Recorded ${SQUASHED} as applied in place of the 8 migrations`;

async function readScript(dir: string, name: string): Promise<string> {
  return fs.readFile(path.join(dir, name, 'migration.sql'), 'utf8');
}

async function withPostgres<T>(work: (url: string, query: Query) => Promise<T>): Promise<T> {
  const database = await createTestDatabase('steward_squash');
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(database.url, async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end();
    await dropTestDatabase(database.name);
  }
}

function pgliteQuery(db: PGlite): Query {
  return async (sql) => (await db.query<Record<string, unknown>>(sql)).rows;
}

// A lease and its settlement through the API's endpoint protocol, folded into the counters.
// Returns the limit's id.
async function leaseAndSettle(api: TestApi, name: string): Promise<string> {
  const org = await spendFixture(api, name);
  const limit = await org.limit('user', '10');
  const granted = await lease(api.url, org.secret, { amountUsd: '0.5', idempotencyKey: 'one' });
  expect(granted.status).toBe(201);
  const settled = await settle(api.url, org.secret, String(granted.body.id), { costUsd: '0.3' });
  expect(settled).toMatchObject({ status: 200, body: { replayed: false, costUsd: '0.3' } });
  await api.get(SpendService).reconcile(org.organizationId);
  return limit;
}

async function expectCounter(query: Query, limitId: string): Promise<void> {
  expect(
    await query(
      `SELECT "spentUsd"::text AS spent, "reservedUsd"::text AS reserved FROM "SpendCounter"
       WHERE "limitId" = '${limitId}'`,
    ),
  ).toEqual([{ spent: '0.300000', reserved: '0.000000' }]);
}

describe('the squashed spend migration', () => {
  let oldMigrations: string;
  let freshDump: string;
  let freshRecords: Record<string, unknown>[];
  let logSpy: jest.SpyInstance;

  beforeAll(async () => {
    oldMigrations = await migrationsBeforeSquash(FIXTURE);
    await withPostgres(async (url, query) => {
      await applyMigrations(url);
      freshDump = dumpSchema(url);
      freshRecords = await migrationRecords(query);
    });
  });

  afterAll(async () => {
    await fs.rm(oldMigrations, { recursive: true, force: true });
  });

  beforeEach(() => {
    logSpy = jest.spyOn(Logger.prototype, 'log');
  });
  afterEach(() => jest.restoreAllMocks());

  const baselineLogs = () =>
    logSpy.mock.calls.filter(([message]) => String(message).startsWith(BASELINE_LOG));

  it('keeps the released migrations it replaced, byte for byte, as the fixture', async () => {
    const released = await releasedMigrations(FIXTURE);
    expect(Object.keys(released).sort()).toEqual(REPLACED);
    for (const name of REPLACED) {
      expect(migrationChecksum(released[name]!)).toBe(SPEND!.replaced[name]);
    }
    const committed = await fs.readdir(defaultPaths().migrationsDir);
    expect(committed.filter((name) => REPLACED.includes(name))).toEqual([SQUASHED]);
  });

  it('gives a new database exactly the schema the replaced migrations gave', async () => {
    await withPostgres(async (url, query) => {
      await applyMigrations(url, { migrationsDir: oldMigrations });
      expect(dumpSchema(url)).toBe(freshDump);
      // Not equal by being empty: the dump holds the spend tables and their final functions.
      for (const name of ['"SpendLease"', 'steward_spend_batch(', 'steward_spend_reconcile(']) {
        expect(freshDump).toContain(name);
      }
      expect(freshDump).not.toContain('steward_spend_release_expired');
      expect((await migrationRecords(query)).map((r) => r.migration_name)).toEqual(
        expect.arrayContaining(REPLACED),
      );
    });
  });

  // Schemas are compared before the API runs: it adds the current days' event partitions.
  it('baselines a Postgres database that applied the replaced migrations, once, and spend works', async () => {
    await withPostgres(async (url, query) => {
      await applyMigrations(url, { migrationsDir: oldMigrations });
      expect(baselineLogs()).toHaveLength(0);

      expect(await applyMigrations(url)).toEqual([]);
      expect(baselineLogs()).toHaveLength(1);
      expect(dumpSchema(url)).toBe(freshDump);
      await expectBaselined(query);

      const api = await startTestApi({ DATABASE_URL: url });
      try {
        await expectCounter(query, await leaseAndSettle(api, 'Upgraded Postgres Co'));
      } finally {
        await api.close();
      }
      expect(baselineLogs()).toHaveLength(1);
      await expectBaselined(query);
    });
  });

  it('baselines an embedded (PGlite) data folder that applied the replaced migrations, and spend works', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-squash-embedded-'));
    try {
      await withPGlite(path.join(dataDir, 'pgdata'), (db) =>
        applyMigrations(db, { migrationsDir: oldMigrations }),
      );
      const fresh = await withPGlite(undefined, async (db) => {
        await applyMigrations(db);
        return catalogSchema(pgliteQuery(db));
      });

      // Opened as `npm start` opens it, then read over its Postgres port.
      const embedded = await openEmbeddedDatabase(dataDir);
      const client = new Client({ connectionString: embedded.url });
      try {
        await client.connect();
        const query: Query = async (sql) => (await client.query(sql)).rows;
        expect(baselineLogs()).toHaveLength(1);
        expect(await catalogSchema(query)).toEqual(fresh);
        await expectBaselined(query);
      } finally {
        await client.end();
        await embedded.close();
      }

      const api = await startTestApi({
        DATABASE_URL: undefined,
        REDIS_URL: undefined,
        STEWARD_DATA_DIR: dataDir,
      });
      let limit: string;
      try {
        limit = await leaseAndSettle(api, 'Upgraded Embedded Co');
      } finally {
        await api.close();
      }
      // Read in process once the API is gone: the embedded server is one Postgres session, and a
      // query of ours could interleave with the API's background jobs there.
      await withPGlite(path.join(dataDir, 'pgdata'), (db) => expectCounter(pgliteQuery(db), limit));
      expect(baselineLogs()).toHaveLength(1);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses, changing nothing, a database that applied only some of the replaced migrations', async () => {
    const partial = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-partial-migrations-'));
    try {
      await fs.cp(oldMigrations, partial, { recursive: true });
      await fs.rm(path.join(partial, REPLACED.at(-1)!), { recursive: true });
      await withPostgres(async (url, query) => {
        await applyMigrations(url, { migrationsDir: partial });
        const before = await migrationRecords(query);
        await expect(applyMigrations(url)).rejects.toThrow(
          `only some of the migrations that ${SQUASHED} squashed (not applied: ${REPLACED.at(-1)})`,
        );
        expect(await migrationRecords(query)).toEqual(before);
        expect(baselineLogs()).toHaveLength(0);
      });
    } finally {
      await fs.rm(partial, { recursive: true, force: true });
    }
  });

  // The records of a fresh database, except that the squash was recorded, not run (0 steps).
  async function expectBaselined(query: Query): Promise<void> {
    const squashed = migrationChecksum(await readScript(defaultPaths().migrationsDir, SQUASHED));
    const expected = freshRecords.map((record) =>
      record.migration_name === SQUASHED
        ? { ...record, checksum: squashed, applied_steps_count: 0 }
        : record,
    );
    expect(await migrationRecords(query)).toEqual(expected);
  }
});

async function withPGlite<T>(
  dataDir: string | undefined,
  work: (db: PGlite) => Promise<T>,
): Promise<T> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
