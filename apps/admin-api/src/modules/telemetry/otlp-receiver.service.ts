import { LRUCache } from 'lru-cache';
import { Injectable } from '@nestjs/common';
import { MAX_BATCH_EVENTS } from '@steward/telemetry';
import type { AuthenticatedEndpoint } from '../endpoints/endpoint-sessions';
import { EndpointsService } from '../endpoints/endpoints.service';
import { SpendService, type AgentCost } from '../spend/spend.service';
import { IngestService } from './ingest.service';
import { logEvents, metricEvents, type AgentEventDraft } from './otlp-agent-events';
import {
  decodeRequest,
  flatAttributes,
  type LogsRequest,
  type MetricsRequest,
  type Signal,
  type WireFormat,
} from './otlp-wire';

export interface Received {
  // Records (log records or data points) whose events were refused, and why the first was.
  rejected: number;
  errorMessage: string;
}

// The OTLP receiver's work behind its route: the export becomes Steward events of the caller's
// endpoint, stored through the same ingest as an upload (dedupe by id, day partitions, one audit
// record per batch, rollups, forwarding), and the model cost Claude Code reports is charged to the
// person's budgets. Every step is idempotent, so an exporter's retry of the same body changes
// nothing more.
@Injectable()
export class OtlpReceiverService {
  // Endpoint and version pairs written already by this replica (one write per change, not per
  // export); bounded by dropping all when it grows large.
  // `${endpointId}:${version}` already written: written again only after a restart or eviction.
  private readonly versionsNoted = new LRUCache<string, true>({ max: 100_000 });

  constructor(
    private readonly ingest: IngestService,
    private readonly spend: SpendService,
    private readonly endpoints: EndpointsService,
  ) {}

  // Decodes first: a body that is not an export is refused (notOtlp) before anything is stored.
  async receive(
    caller: AuthenticatedEndpoint,
    signal: Signal,
    format: WireFormat,
    bytes: Buffer,
    now = new Date(),
  ): Promise<Received> {
    const request =
      signal === 'logs'
        ? decodeRequest('logs', format, bytes)
        : decodeRequest('metrics', format, bytes);
    const events =
      'resourceLogs' in request
        ? logEvents(caller, request, now)
        : metricEvents(caller, request as MetricsRequest, now);
    await this.noteClaudeCodeVersion(caller, request);
    const refused = new Set<string>();
    let errorMessage = '';
    for (let start = 0; start < events.length; start += MAX_BATCH_EVENTS) {
      const chunk = events.slice(start, start + MAX_BATCH_EVENTS);
      const result = await this.ingest.ingestEvents(caller, chunk, now);
      for (const { index, errors } of result.rejected) {
        refused.add(chunk[index]!.id);
        errorMessage ||= errors.map((e) => `${e.path}: ${e.message}`).join('; ');
      }
    }
    await this.spend.recordCosts(caller, costsOf(events, refused));
    return { rejected: refused.size, errorMessage };
  }

  // The console shows which Claude Code version each endpoint runs: its telemetry says.
  private async noteClaudeCodeVersion(
    caller: AuthenticatedEndpoint,
    request: LogsRequest | MetricsRequest,
  ): Promise<void> {
    const resources =
      'resourceLogs' in request
        ? (request.resourceLogs ?? []).map((r) => r.resource)
        : ((request as MetricsRequest).resourceMetrics ?? []).map((r) => r.resource);
    for (const resource of resources) {
      const attributes = flatAttributes(resource?.attributes);
      if (attributes['service.name'] !== 'claude-code') continue;
      const version = String(attributes['service.version'] ?? '').slice(0, 50);
      if (!version) continue;
      const key = `${caller.endpointId}:${version}`;
      if (this.versionsNoted.has(key)) return;
      await this.endpoints.noteAgentVersion(
        caller.organizationId,
        caller.endpointId,
        'claude-code',
        version,
      );
      this.versionsNoted.set(key, true);
      return;
    }
  }
}

function costsOf(events: AgentEventDraft[], refused: Set<string>): AgentCost[] {
  return events.flatMap((event) =>
    event.type === 'model.requested' && event.agent && !refused.has(event.id)
      ? [
          {
            key: event.id,
            model: String(event.model),
            costUsd: String(event.costUsd),
            inputTokens: Number(event.inputTokens),
            outputTokens: Number(event.outputTokens),
          },
        ]
      : [],
  );
}
