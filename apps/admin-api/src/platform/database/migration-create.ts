import pg from 'pg';
import { createMigration } from './migrations';

// `npm run migration:create -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// from the changes in prisma/schema.prisma.
//
// The shadow database (where the engine replays the existing migrations) lives on the Postgres at
// DATABASE_URL, else the local default server: it matches production's Postgres version and takes
// ~0.5 s. With no server reachable we fall back to an in-memory PGlite, which gives the same SQL
// for our schema but is Postgres 18 and takes several seconds.
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || argv.length > 1) {
    console.error('usage: npm run migration:create -- <name>   (letters, digits, underscores)');
    return 2;
  }
  const url = process.env.DATABASE_URL || DEFAULT_URL;
  const shadowUrl = (await reachable(url)) ? url : undefined;
  if (!shadowUrl)
    console.error(`No Postgres at ${url}; using an in-memory PGlite shadow database.`);
  const created = await createMigration(name, { shadowUrl });
  if (!created) {
    console.log('prisma/schema.prisma matches the migrations: nothing to create.');
    return 0;
  }
  console.log(`Created prisma/migrations/${created}/migration.sql: review it and commit it.`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
