import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import {
  connectEmbeddedDatabase,
  EmbeddedDatabaseLockedError,
  openEmbeddedDatabase,
} from './embedded';

// Goes through the same adapter the app uses, so the URL is proven usable by PrismaPg.
async function sql<T = Record<string, unknown>>(url: string, query: string): Promise<T[]> {
  const adapter = await new PrismaPg({ connectionString: url }).connect();
  try {
    const result = await adapter.queryRaw({ sql: query, args: [], argTypes: [] });
    return result.rows.map(
      (row) => Object.fromEntries(result.columnNames.map((c, i) => [c, row[i]])) as T,
    );
  } finally {
    await adapter.dispose();
  }
}

// Creating a PGlite data folder takes a few seconds, so the tests share one, in order. Opening and
// migrating it took over 60 s on a loaded 2-core machine; the tests wait for it, as start does.
jest.setTimeout(180_000);

describe('embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'steward-embedded-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps committed data across a close and reopen', async () => {
    const first = await openEmbeddedDatabase(dataDir);
    const info = JSON.parse(await fs.readFile(path.join(dataDir, 'embedded-db.json'), 'utf8'));
    expect(info).toEqual({ pid: process.pid, port: Number(new URL(first.url).port) });
    await sql(
      first.url,
      `INSERT INTO "Organization" (id, slug, name) VALUES (gen_random_uuid(), 'acme', 'Acme')`,
    );
    await first.close();

    const second = await openEmbeddedDatabase(dataDir);
    try {
      expect(await sql(second.url, `SELECT slug FROM "Organization"`)).toEqual([{ slug: 'acme' }]);
    } finally {
      await second.close();
    }
  });

  it('lets a second caller reach the running server instead of opening PGlite again', async () => {
    const owner = await openEmbeddedDatabase(dataDir);
    try {
      const client = await connectEmbeddedDatabase(dataDir);
      expect(client.url).toBe(owner.url);
      await client.close(); // not the owner: must leave the server running
      expect(await sql(owner.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await expect(openEmbeddedDatabase(dataDir)).rejects.toThrow(EmbeddedDatabaseLockedError);
    } finally {
      await owner.close();
    }
  });

  it('keeps each connection’s queries whole when many connections query at once', async () => {
    const owner = await openEmbeddedDatabase(dataDir);
    const pool = new pg.Pool({ connectionString: owner.url, max: 8 });
    try {
      // Parametrised queries of different shapes (one, two and three parameters), as a pool's
      // connections send them: each an exchange of Parse, Bind, Describe, Execute, Sync.
      const answers = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const shape = i % 3;
          const { rows } =
            shape === 0
              ? await pool.query('SELECT $1::int AS value', [i])
              : shape === 1
                ? await pool.query('SELECT $1::int + $2::int AS value', [i, 0])
                : await pool.query('SELECT $1::int + $2::int - $3::int AS value', [i, 1, 1]);
          return (rows[0] as { value: number }).value;
        }),
      );
      expect(answers).toEqual(Array.from({ length: 300 }, (_, i) => i));
      // A transaction keeps the session through its exchanges, others queued meanwhile.
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE held (n int)');
        const others = Promise.all([1, 2, 3].map((n) => pool.query('SELECT $1::int AS n', [n])));
        await client.query('INSERT INTO held VALUES ($1)', [7]);
        expect((await client.query('SELECT n FROM held')).rows).toEqual([{ n: 7 }]);
        await client.query('ROLLBACK');
        expect((await others).map((result) => result.rows[0])).toEqual([
          { n: 1 },
          { n: 2 },
          { n: 3 },
        ]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
      await owner.close();
    }
  });

  it('takes over the lock of a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await fs.writeFile(path.join(dataDir, 'embedded-db.lock'), `${dead}\n`);
    await fs.writeFile(
      path.join(dataDir, 'embedded-db.json'),
      JSON.stringify({ pid: dead, port: 1 }),
    );
    const db = await connectEmbeddedDatabase(dataDir);
    try {
      expect(await sql(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('says so when a live process holds the lock but does not answer', async () => {
    // Our parent is alive and serves nothing here.
    await fs.writeFile(path.join(dataDir, 'embedded-db.lock'), `${process.ppid}\n`);
    try {
      await expect(connectEmbeddedDatabase(dataDir, { startupWaitMs: 0 })).rejects.toThrow(
        `locked by live process ${process.ppid}, which does not answer`,
      );
    } finally {
      await fs.rm(path.join(dataDir, 'embedded-db.lock'));
    }
  });
});
