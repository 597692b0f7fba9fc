import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import type { SqlExecutor } from '../audit/audit.service';
import { prismaExecutor } from '../audit/audit.service';
import { PrismaService } from '../../platform/database/prisma.service';
import { canonicalJson } from '../../platform/canonical-json';
import {
  BATCH_DIGEST_FORMAT,
  BatchDigest,
  eventsDigest,
  LEGACY_BATCH_DIGEST_FORMAT,
  legacyCanonicalJson,
} from './batch-digest';
import { EventsRepository } from './events.repository';

// Ingest batches as the audit log sees them: each batch's audit record carries the digest of the
// events it stored; verification recomputes it and retention deletes the events with the record.
@Injectable()
export class EventBatchesService {
  constructor(
    private readonly events: EventsRepository,
    private readonly prisma: PrismaService,
  ) {}

  // What verify recomputes from the events stored now under the batch's id, in the format the
  // record names. `sql`: the caller's transaction (ingest reads back a retried batch in its own).
  async storedDigest(
    organizationId: string,
    days: string[],
    batchId: string,
    format: string | undefined,
    sql: SqlExecutor = prismaExecutor(this.prisma),
  ): Promise<BatchDigest> {
    const canonical = {
      [BATCH_DIGEST_FORMAT]: canonicalJson,
      [LEGACY_BATCH_DIGEST_FORMAT]: legacyCanonicalJson,
    }[format ?? ''];
    if (!canonical) return this.events.legacyBatchDigest(sql, organizationId, days, batchId);
    const rows = await this.events.batchPayloads(sql, organizationId, days, batchId);
    const events = rows.map((row) => ({
      id: row.id,
      json: canonical(JSON.parse(row.payload) as unknown),
    }));
    return { digest: eventsDigest(events), count: events.length };
  }

  // Deletes the events of these batches (their days named by each batch's audit record) in the
  // caller's transaction.
  deleteBatches(
    tx: Prisma.TransactionClient,
    organizationId: string,
    batches: { batchId: string; days: string[] }[],
  ): Promise<void> {
    const batchesByDay = new Map<string, string[]>();
    for (const { batchId, days } of batches) {
      for (const day of days) batchesByDay.set(day, [...(batchesByDay.get(day) ?? []), batchId]);
    }
    return this.events.deleteBatches(tx, organizationId, batchesByDay);
  }
}
