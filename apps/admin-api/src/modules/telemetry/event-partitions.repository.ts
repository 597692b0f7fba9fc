import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/database/prisma.service';
import { MAX_EVENT_AGE_DAYS } from './upload-preparation';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const PARTITION = /^AgentEvent_p(\d{4})(\d{2})(\d{2})$/;

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function partitionName(day: string): string {
  return `AgentEvent_p${day.replace(/-/g, '')}`;
}

// AgentEvent is partitioned by day (see its migration). A partition per UTC day is created a week
// ahead by a daily job (which also drops emptied old ones) and on demand by ingest (an endpoint may upload old events after being
// offline). Partitions this process has seen are remembered, so ingest asks Postgres only once per
// day per process.
@Injectable()
export class EventPartitions {
  private readonly known = new Set<string>();

  constructor(private readonly prisma: PrismaService) {}

  async ensure(days: Iterable<string>): Promise<void> {
    for (const day of new Set(days)) {
      if (this.known.has(day)) continue;
      await this.create(day);
      this.known.add(day);
    }
  }

  async createAhead(now = new Date(), daysAhead = 7): Promise<string[]> {
    const days = Array.from({ length: daysAhead + 1 }, (_, i) =>
      utcDay(new Date(now.getTime() + i * DAY_MS)),
    );
    await this.ensure(days);
    return days;
  }

  // Partitions of days older than ingest accepts are never written again. Once retention has
  // emptied one (AuditRetentionService deletes events with their batch records), it is dropped:
  // the catalog stays small, and nothing is deleted here that retention did not already delete.
  async dropEmptyPast(now = new Date()): Promise<string[]> {
    const oldest = utcDay(new Date(now.getTime() - (MAX_EVENT_AGE_DAYS + 1) * DAY_MS));
    const partitions = await this.prisma.$queryRaw<{ name: string }[]>`
      SELECT child.relname AS name FROM pg_inherits
      JOIN pg_class child ON child.oid = pg_inherits.inhrelid
      JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
      WHERE parent.relname = 'AgentEvent'`;
    const dropped: string[] = [];
    for (const { name } of partitions) {
      const match = PARTITION.exec(name);
      const day = match && `${match[1]}-${match[2]}-${match[3]}`;
      if (!day || day >= oldest) continue;
      const gone = await this.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('agent-event-partitions', 0))`;
        const [{ empty }] = await tx.$queryRawUnsafe<{ empty: boolean }[]>(
          `SELECT NOT EXISTS (SELECT 1 FROM "${name}") AS empty`,
        );
        if (empty) await tx.$executeRawUnsafe(`DROP TABLE "${name}"`);
        return empty;
      });
      if (!gone) continue;
      this.known.delete(day);
      dropped.push(day);
    }
    return dropped;
  }

  private async create(day: string): Promise<void> {
    if (!DAY.test(day)) throw new Error(`not a day: ${day}`);
    const next = utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
    // Concurrent creators (replicas, parallel batches) would race on the catalog even with IF NOT
    // EXISTS; a transaction-scoped advisory lock makes them take turns.
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('agent-event-partitions', 0))`;
      await tx.$executeRawUnsafe(
        `CREATE TABLE IF NOT EXISTS "${partitionName(day)}" PARTITION OF "AgentEvent" FOR VALUES FROM ('${day}') TO ('${next}')`,
      );
    });
  }
}
