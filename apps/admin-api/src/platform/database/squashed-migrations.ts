import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { MigrationHistoryError } from './schema-engine';

// Migrations squashed into one after databases had applied them. The schema engine would take such
// a database's history for drift (records of migrations that are gone, a migration changed since
// it was applied), so before it looks, a database whose records hold every replaced migration, as
// released, is baselined: the squash is recorded as applied, the way `prisma migrate resolve
// --applied` records it, and the records it replaces are deleted, in one transaction. Nothing is
// run again: the squash produces exactly the schema the replaced migrations left (proved by
// test/spend/squashed-spend-migration.e2e-spec.ts).

export interface Squash {
  /** The migration folder that replaced the others (it may reuse the first one's name). */
  migration: string;
  /** Each replaced migration, by name, with the sha256 of its released migration.sql. */
  replaced: Record<string, string>;
}

export const SQUASHES: readonly Squash[] = [
  {
    migration: '20261124040846_spend',
    replaced: {
      '20261124040846_spend': '584dc59dea38dd7a560d7cb69a8647b16c0acd2f526ef2ed24c97f163e63b6dd',
      '20261124042500_spend_hot_rows_last':
        'bff83d17e0eb6b5325dbf23c43919ddceae496f07d754791fa8d9701d69c1396',
      '20261124044000_spend_deferred_settlement':
        '1ae37ded4488f41e385e8e87434c87769a399c9d489e9a166ede7c94497b28c2',
      '20261124045200_spend_fewer_statements':
        '311f7bb5d55a72bfda04965f21e08d985d54c20b167d691a140cd34e4a2a99b3',
      '20261124054500_spend_batched_calls':
        'dbd75b7ae0427c57f5db70de088d401a37cdfbcbd2a1e6386d4f54f89339251a',
      '20261124090000_spend_index_lookups':
        '45a1d6615c255f130789e52494755440c0efae742b0ce8dd0cdf853ebc1e6e31',
      '20261124110000_spend_leaner_functions':
        'ba986e7dc6d376e6b52dc56923d25d3ddbfeadc25e52d076b46ebe2553551e23',
      '20261206180000_spend_lease_carries_settle':
        '1034e96076a58ba9c9ef54e61269decd175b058651adb4b294d78fb4503f5ccb',
    },
  },
];

/** One SQL session inside a transaction: rows of a parameterised query. */
export type TransactionQuery = (
  sql: string,
  params?: unknown[],
) => Promise<Record<string, unknown>[]>;

// The lock `prisma migrate` holds while it migrates: replicas starting together baseline once.
const PRISMA_MIGRATE_LOCK = 72707369;

interface MigrationRecord {
  migration_name: string;
  checksum: string;
}

const logger = new Logger('Migrations');

/** sha256 of a migration script, as `_prisma_migrations.checksum` holds it. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Baselines every squash of `squashes` whose replaced migrations this database applied. Returns the
 * squashes it recorded; refuses (changing nothing) a database that applied only some of them, or
 * other scripts under their names.
 */
export async function baselineSquashedMigrations(
  query: TransactionQuery,
  migrationsList: MigrationList,
  squashes: readonly Squash[] = SQUASHES,
): Promise<Squash[]> {
  const [found] = await query(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS found`);
  if (!found?.found) return []; // a new database: the engine creates everything
  await query(`SELECT pg_advisory_xact_lock(${PRISMA_MIGRATE_LOCK})`);
  const baselined: Squash[] = [];
  for (const squash of squashes) {
    const script = scriptOf(migrationsList, squash.migration);
    if (script === undefined) continue; // a migrations folder without this squash (tests)
    const names = [squash.migration, ...Object.keys(squash.replaced)];
    const applied = (await query(
      `SELECT migration_name, checksum FROM _prisma_migrations
       WHERE migration_name = ANY($1) AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      [names],
    )) as unknown as MigrationRecord[];
    const checksum = migrationChecksum(script);
    const squashApplied = applied.some(
      (r) => r.migration_name === squash.migration && r.checksum === checksum,
    );
    if (squashApplied || !applied.some((r) => isReplacedName(squash, r.migration_name))) continue;
    assertAllReplaced(squash, applied);
    await query(`DELETE FROM _prisma_migrations WHERE migration_name = ANY($1)`, [names]);
    await query(
      `INSERT INTO _prisma_migrations
         (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, $1, $2, now(), now(), 0)`,
      [checksum, squash.migration],
    );
    baselined.push(squash);
  }
  return baselined;
}

/** The log line of a baseline, written once by the transaction that made it. */
export function logBaselined(squashes: readonly Squash[]): void {
  for (const squash of squashes) {
    const replaced = Object.keys(squash.replaced);
    logger.log(
      `Recorded ${squash.migration} as applied in place of the ${replaced.length} migrations ` +
        `it squashed (${replaced.join(', ')}); their records were retired, nothing was run again.`,
    );
  }
}

function isReplacedName(squash: Squash, name: string): boolean {
  return Object.keys(squash.replaced).includes(name);
}

function scriptOf(list: MigrationList, name: string): string | undefined {
  const content = list.migrationDirectories.find((d) => d.path === name)?.migrationFile.content;
  return content?.tag === 'ok' ? content.value : undefined;
}

// A database half-way through the replaced migrations (or with edited copies of them) cannot be
// baselined: the squash would not describe its schema.
function assertAllReplaced(squash: Squash, applied: MigrationRecord[]): void {
  const isReplaced = (r: MigrationRecord) => squash.replaced[r.migration_name] === r.checksum;
  const missing = Object.keys(squash.replaced).filter(
    (name) => !applied.some((r) => r.migration_name === name),
  );
  const edited = applied
    .filter((r) => isReplacedName(squash, r.migration_name) && !isReplaced(r))
    .map((r) => r.migration_name);
  if (missing.length === 0 && edited.length === 0) return;
  const problems = [
    missing.length ? `not applied: ${missing.join(', ')}` : '',
    edited.length ? `applied with other contents: ${edited.join(', ')}` : '',
  ].filter(Boolean);
  throw new MigrationHistoryError(
    `This database applied only some of the migrations that ${squash.migration} squashed ` +
      `(${problems.join('; ')}). Migrate it with a Steward release from before the squash ` +
      'first, then start this one.',
  );
}
