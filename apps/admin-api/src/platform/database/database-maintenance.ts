import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JobName } from '../jobs/job-names';
import { JobsService } from '../jobs/jobs.service';
import { DATABASE } from './database';
import type { DatabaseHandle } from './database';
import { PrismaService } from './prisma.service';

const MAINTENANCE_EVERY_MS = 3600_000;

// What autovacuum does on a Postgres server, for the embedded database, which has none (PGlite is
// Postgres in one session, without its background processes). Without it nothing there would
// ever reclaim the space of updated and deleted rows (each spend lease is updated twice; retention
// deletes) nor give the planner statistics: a plan made while a table was small stays in use as
// it grows. Hourly, every table of the schema is vacuumed and analyzed, each in a statement of its
// own so the API's own queries take turns with it. On a server this is autovacuum's work; where
// autovacuum is off, the start says so.
@Injectable()
export class DatabaseMaintenance implements OnModuleInit {
  private readonly logger = new Logger('DatabaseMaintenance');

  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    private readonly prisma: PrismaService,
    private readonly jobs: JobsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const schedule = this.database.embedded ? { everyMs: MAINTENANCE_EVERY_MS } : undefined;
    this.jobs.register(JobName.DatabaseMaintenance, () => this.run(), schedule);
    if (this.database.embedded || !this.jobs.worksHere()) return;
    // A remark for the operator: a database that stops answering here fails no start.
    const [setting] = await this.prisma.$queryRaw<{ autovacuum: string }[]>`
      SELECT current_setting('autovacuum') AS autovacuum`.catch(() => []);
    if (setting?.autovacuum === 'off') {
      this.logger.log(
        'autovacuum is off on this database: without VACUUM and ANALYZE run some other way, ' +
          'deleted rows keep their space and the planner has no statistics',
      );
    }
  }

  // Vacuums and analyzes every table of the schema (partitions included, not their parents);
  // returns how many.
  async run(): Promise<number> {
    const tables = await this.prisma.$queryRaw<{ name: string }[]>`
      SELECT format('%I.%I', n.nspname, c.relname) AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')
      ORDER BY c.relname`;
    for (const { name } of tables) await this.prisma.$executeRawUnsafe(`VACUUM (ANALYZE) ${name}`);
    return tables.length;
  }
}
