import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations } from '../../apps/admin-api/src/platform/database/migrations';
import { createTestDatabase, dropTestDatabase } from '@steward/testing';

// The spend functions reach every row by its key. On a database whose tables were never analyzed
// (a new one; one where autovacuum is off; the embedded database, which has no autovacuum), the
// planner takes a small ledger for what it is and would join a settle to it by a sequential scan,
// a plan PL/pgSQL then keeps while the ledger grows (migration 20261208013000). The plans the
// functions really run are read with auto_explain, in this session, as notices.
jest.setTimeout(120_000);

describe('spend functions on a database never analyzed', () => {
  it('reserve, settle and fold reach leases, counters and limits by their keys', async () => {
    const database = await createTestDatabase('steward_spend_plans');
    const client = new Client({ connectionString: database.url });
    try {
      await applyMigrations(database.url);
      await client.connect();
      const org = randomUUID();
      const user = randomUUID();
      const endpoint = randomUUID();
      const limit = randomUUID();
      await client.query(`INSERT INTO "Organization" (id, slug, name) VALUES ($1, 'plans', 'P')`, [
        org,
      ]);
      await client.query(
        `INSERT INTO "SpendLimit" (id, "organizationId", "subjectType", "subjectId", "amountUsd",
           period, enforcement, "alertThresholds", "updatedAt")
         VALUES ($1, $2, 'user', $3, 10, 'month', 'hard', '{}', now())`,
        [limit, org, user],
      );
      // A few hundred leases of another endpoint: a ledger that is small, and not empty.
      await client.query(
        `INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "amountUsd",
           "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
         SELECT gen_random_uuid(), $1, $2, gen_random_uuid(), 1, ARRAY[$3::uuid], ARRAY['2026-12'],
           now(), now(), NULL
         FROM generate_series(1, 300)`,
        [org, user, limit],
      );
      const plans: string[] = [];
      client.on('notice', (notice) => plans.push(notice.message ?? ''));
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET auto_explain.log_min_duration = 0;
        SET auto_explain.log_nested_statements = on;
        SET auto_explain.log_level = notice;
        SET client_min_messages = notice`);

      const leases = Array.from({ length: 5 }, () => randomUUID());
      const each = <T>(value: T) => leases.map(() => value);
      const now = '2026-12-08 10:00:00';
      const reserved = await client.query<{ r: { status: string[] } }>(
        `SELECT steward_spend_reserve_batch($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[],
           $5::numeric[], $6::timestamp[], $7::timestamp[], $8::text[], $9::text[], $10::int[],
           $11::uuid[], $12::text[], $13::boolean[]) AS r`,
        [
          each(org),
          each(user),
          each(endpoint),
          leases,
          each('1'),
          each(now),
          each('2026-12-08 10:15:00'),
          each(null),
          leases.map((_, i) => `key-${i}`),
          leases.map((_, i) => i + 1),
          each(limit),
          each('2026-12'),
          each(false),
        ],
      );
      expect(reserved.rows[0]!.r.status).toEqual(each('granted'));
      const settled = await client.query<{ r: { status: string[] } }>(
        `SELECT steward_spend_settle_batch($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[],
           $5::int[], $6::int[], $7::timestamp[]) AS r`,
        [each(org), each(endpoint), leases, each('0.1'), each(null), each(null), each(now)],
      );
      expect(settled.rows[0]!.r.status).toEqual(each('settled'));
      await client.query(`SELECT steward_spend_reconcile($1::uuid, $2::timestamp)`, [org, now]);
      await client.query('SET auto_explain.log_min_duration = -1');
      const counter = await client.query(
        `SELECT "spentUsd"::text AS spent, "reservedUsd"::text AS reserved FROM "SpendCounter"`,
      );
      expect(counter.rows).toEqual([{ spent: '0.500000', reserved: '0.000000' }]);

      const explained = plans.join('\n');
      // The plans were captured: the settle found its lease through the primary key.
      expect(explained).toMatch(/Index Scan using "SpendLease_pkey" on "SpendLease"/);
      expect(explained).not.toMatch(/Seq Scan on "Spend\w+"/);
    } finally {
      await client.end();
      await dropTestDatabase(database.name);
    }
  });
});
