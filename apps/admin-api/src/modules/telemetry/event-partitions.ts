import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/database/prisma.service';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function partitionName(day: string): string {
  return `AgentEvent_p${day.replace(/-/g, '')}`;
}

// AgentEvent is partitioned by day (see its migration). A partition per UTC day is created a week
// ahead by a daily job and on demand by ingest (an endpoint may upload old events after being
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
