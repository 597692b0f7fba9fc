import { Injectable, Logger } from '@nestjs/common';
import { redactEvent, RedactionMode, RedactionRules } from '@steward/telemetry';
import { TelemetryCollector } from '../../generated/prisma/client';
import { mapConcurrently } from '../../platform/map-concurrently';
import { CollectorRepository } from './collector.repository';
import { EventsRepository } from './events.repository';
import { otlpLogsRequest } from './otlp-logs';

const SEND_TIMEOUT_MS = 10_000;
// One sweep forwards at most this many batches of an organization; the next tick continues.
const SWEEP_LIMIT = 100;
// Organizations swept at once. A collector that never answers holds its own organization for
// SEND_TIMEOUT_MS, not every organization after it; each holds a database connection meanwhile.
const ORGANIZATIONS_AT_ONCE = 4;

export function redactionRules(collector: TelemetryCollector): RedactionRules {
  return {
    prompts: collector.redactPrompts as RedactionMode,
    commands: collector.redactCommands as RedactionMode,
    paths: collector.redactPaths as RedactionMode,
  };
}

// Sends outbox batches to the organization's collector as OTLP logs, redacted before they leave.
// A batch stays in the outbox until the collector answered 2xx; the outbox row is locked while it
// is sent, so two workers never send the same batch at once.
@Injectable()
export class ForwardingService {
  private readonly logger = new Logger('TelemetryForward');

  constructor(
    private readonly collectors: CollectorRepository,
    private readonly events: EventsRepository,
  ) {}

  // Returns false when the batch was already forwarded (or is being sent by another worker).
  async forwardBatch(batchId: string): Promise<boolean> {
    const outcome = await this.collectors.transaction(
      async (tx) => {
        const row = await this.collectors.lockOutboxBatch(tx, batchId);
        if (!row) return { forwarded: false };
        const collector = await this.collectors.find(row.organizationId, tx);
        if (collector?.enabled) {
          try {
            await this.send(collector, row.eventIds, row.days);
          } catch (error) {
            // Kept (with the reason) for the next attempt; the job fails so it is retried.
            await this.collectors.recordOutboxFailure(tx, batchId, String(error).slice(0, 500));
            return { forwarded: false, error };
          }
        }
        await this.collectors.removeFromOutbox(tx, batchId);
        return { forwarded: true };
      },
      { timeout: SEND_TIMEOUT_MS * 2 },
    );
    if (outcome.error) throw outcome.error;
    return outcome.forwarded;
  }

  // The periodic catch-up: everything the fast path (a job per batch) missed, e.g. while Redis
  // was down, oldest first within each organization, a few organizations at a time. An
  // organization stops at its first failure until the next sweep: while its collector is down it
  // costs one attempt and one warning a sweep, and its backlog never stands before other
  // organizations' batches.
  async sweep(): Promise<number> {
    const forwarded = await mapConcurrently(
      await this.collectors.organizationsInOutbox(),
      ORGANIZATIONS_AT_ONCE,
      (organizationId) => this.sweepOrganization(organizationId),
    );
    return forwarded.reduce((sum, count) => sum + count, 0);
  }

  private async sweepOrganization(organizationId: string): Promise<number> {
    let forwarded = 0;
    for (const batchId of await this.collectors.oldestInOutbox(organizationId, SWEEP_LIMIT)) {
      try {
        if (await this.forwardBatch(batchId)) forwarded++;
      } catch (error) {
        this.logger.warn(
          `organization ${organizationId}: batch ${batchId} not forwarded yet, its later ` +
            `batches wait for the next sweep: ${String(error)}`,
        );
        break;
      }
    }
    return forwarded;
  }

  private async send(collector: TelemetryCollector, ids: string[], days: Date[]): Promise<void> {
    const stored = await this.events.findByIds(collector.organizationId, days, ids);
    const rules = redactionRules(collector);
    const redacted = stored.map((row) => redactEvent(row.payload, rules, collector.hashKey));
    const response = await fetch(collector.endpoint, {
      method: 'POST',
      headers: {
        ...(collector.headers as Record<string, string>),
        'content-type': 'application/json',
      },
      body: JSON.stringify(otlpLogsRequest(collector.organizationId, redacted)),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`collector answered ${response.status}`);
  }
}
