import { Injectable, Logger } from '@nestjs/common';
import { AuditRetentionService } from '../audit/audit-retention.service';
import { SpendClock } from './spend-clock';
import { SpendLedgerRepository } from './spend-ledger.repository';

const DELETE_BATCH = 10_000;

// The usage ledger keeps what the audit log keeps: an organization's retention period (and legal
// hold) applies to its settled and released leases as to its audit records and agent events.
// Without it every model call left a row for good (~80 GB a day at running-at-scale.md's sizing).
// Enforcement loses nothing: a lease is deleted only once folded into the counters, which keep
// each period's totals.
@Injectable()
export class SpendLedgerRetention {
  private readonly logger = new Logger('SpendLedgerRetention');

  constructor(
    private readonly retention: AuditRetentionService,
    private readonly ledger: SpendLedgerRepository,
    private readonly clock: SpendClock,
  ) {}

  // The job: every organization with a retention period and no hold; one that fails is left for
  // the next run. Returns how many leases it deleted.
  async applyAll(batchSize = DELETE_BATCH): Promise<number> {
    let deleted = 0;
    for (const organizationId of await this.retention.organizationsDue()) {
      try {
        deleted += await this.apply(organizationId, batchSize);
      } catch (error) {
        this.logger.error(`ledger retention for ${organizationId} failed: ${String(error)}`);
      }
    }
    return deleted;
  }

  // Batch by batch, each its own statement (no long transaction on the ledger), the cutoff and the
  // hold read again before each: a hold placed meanwhile stops the next batch.
  private async apply(organizationId: string, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const cutoff = await this.retention.cutoff(organizationId, this.clock.now());
      if (!cutoff) return total;
      const deleted = await this.ledger.deleteBefore(organizationId, cutoff, batchSize);
      total += deleted;
      if (deleted === 0) return total;
    }
  }
}
