import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

// Driver adapters for the schema engine only (the app's PrismaClient uses the plain PrismaPg).
// Both stock adapters have bugs that break migrations; each workaround below names its bug.

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type PgResult = { fields?: { dataTypeID: number }[] };

// adapter-pg 7.10 bug 1: no column type for Postgres' internal `"char"` (OID 18), which the
// engine's catalog queries return (e.g. pg_class.relkind), so every schema read fails with
// "could not be deserialized". Its values are one-character strings: relabel them as text.
function relabelChar<T>(result: T): T {
  for (const field of (result as PgResult | undefined)?.fields ?? []) {
    if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

class CharAsTextClient extends pg.Client {
  // pg's overloads are not expressible in a subclass; we only wrap the result (promise or callback).
  override query(...args: unknown[]): never {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (err: unknown, res: unknown) => void;
      args[last] = (err: unknown, res: unknown) => callback(err, err ? res : relabelChar(res));
    }
    const ret = (super.query as (...a: unknown[]) => unknown)(...args);
    if (ret instanceof Promise) return ret.then(relabelChar) as never;
    return ret as never;
  }
}

type ScriptRunner = (script: string) => Promise<void>;

// adapter-pg bug 4 / pglite-prisma-adapter bug: run a migration script the way the native engine
// does. adapter-pg splits on `;` (breaks `$$` bodies, and a failure leaves the earlier statements
// applied); the PGlite adapter does not await `exec`, so a failed migration is recorded as
// applied. One simple-protocol query runs the whole script in one implicit transaction.
function withScriptRunner(adapter: SqlDriverAdapter, run: ScriptRunner): SqlDriverAdapter {
  // Reuse the adapter's own error mapping so the engine sees a proper database error.
  const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script) => {
    try {
      await run(script);
    } catch (error) {
      onError(error);
    }
  };
  return adapter;
}

function poolFor(config: pg.PoolConfig): pg.Pool {
  // A small pool: the engine works on one connection, plus its advisory lock session.
  return new pg.Pool({ ...config, Client: CharAsTextClient, max: 4 });
}

/** The URL as discrete fields, so that a `database` override really takes effect. */
export function pgConfig(connectionString: string): pg.ClientConfig {
  const url = new URL(connectionString);
  return {
    host: decodeURIComponent(url.hostname) || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    ...(url.searchParams.get('sslmode') && url.searchParams.get('sslmode') !== 'disable'
      ? { ssl: { rejectUnauthorized: url.searchParams.get('sslmode') === 'verify-full' } }
      : {}),
  };
}

export class MigrationPgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = '@prisma/adapter-pg';
  private readonly config: pg.PoolConfig;

  constructor(connectionString: string) {
    // adapter-pg bug 2: given `{ connectionString }`, its shadow pool spreads that config and adds
    // `database`, but pg lets connectionString win, so the "shadow" is the main database.
    this.config = pgConfig(connectionString);
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.open(this.config, async () => {});
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const admin = poolFor(this.config);
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await admin.query(`CREATE DATABASE "${database}"`);
    // adapter-pg bug 3: it drops the shadow database while its own pool still holds connections,
    // so the DROP fails (or hangs). The dispose below closes the shadow pool first, then drops.
    return this.open({ ...this.config, database }, async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    });
  }

  private async open(config: pg.PoolConfig, afterClose: () => Promise<void>) {
    const pool = poolFor(config);
    const adapter = await new PrismaPg(pool).connect();
    adapter.dispose = async () => {
      await pool.end();
      await afterClose();
    };
    return withScriptRunner(adapter, async (script) => {
      await pool.query(script);
    });
  }
}

// pglite-prisma-adapter 0.7.2, fixed: scripts are awaited (see withScriptRunner) and the in-memory
// shadow instance is closed on dispose (otherwise the process hangs ~10 s on exit).
export class MigrationPGliteFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres';
  readonly adapterName = 'pglite-prisma-adapter';

  constructor(private readonly db: PGlite) {}

  async connect(): Promise<SqlDriverAdapter> {
    // The caller owns the instance: the stock adapter's dispose is a no-op, which is what we want.
    const adapter = await new PrismaPGlite(this.db).connect();
    return withScriptRunner(adapter, async (script) => {
      await this.db.exec(script);
    });
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = await PGlite.create();
    const adapter = await new PrismaPGlite(shadow).connect();
    adapter.dispose = async () => {
      await shadow.close();
    };
    return withScriptRunner(adapter, async (script) => {
      await shadow.exec(script);
    });
  }
}
