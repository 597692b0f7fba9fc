// Every background job Steward runs, in one place. Each name has exactly one handler, registered
// by the module that owns the work; JobsService refuses to start when one is missing or doubled.
export enum JobName {
  // Does nothing but run: proves a queue end to end (platform tests and traces).
  Ping = 'platform.ping',
  // Vacuums and analyzes the embedded database, which has no autovacuum (platform/database).
  DatabaseMaintenance = 'platform.database-maintenance',
  // Republishes subjects whose bundle is older than its inputs: the catch-up behind the
  // propagation outbox (modules/bundles).
  BundlesSweep = 'bundles.sweep',
  // Re-signs bundles past half their life or signed by a key that no longer signs (scheduled).
  BundlesRenew = 'bundles.renew',
  // Daily partitions of AgentEvent, created a week ahead; emptied ones past ingest's age dropped
  // (modules/telemetry).
  TelemetryPartitions = 'telemetry.partitions',
  // Forwards ingested batches from the outbox to the organization's OTLP collector.
  TelemetryForward = 'telemetry.forward',
  // Recomputes the daily rollups of days with new events (modules/analytics).
  AnalyticsRollup = 'analytics.rollup',
  // Builds an audit log export file (modules/audit).
  AuditExport = 'audit.export',
  // Deletes audit records past each organization's retention, unless on legal hold.
  AuditRetention = 'audit.retention',
  // Records a crossed spend threshold in the audit log and posts the signed webhook (modules/spend).
  SpendAlert = 'spend.alert',
  // Catch-up: folds settled spend a stopped replica left, releases expired leases, re-sends alerts
  // whose job was lost (reserving never depends on it).
  SpendSweep = 'spend.sweep',
  // Deletes folded spend leases past each organization's audit retention, unless on legal hold.
  SpendLedgerRetention = 'spend.ledger-retention',
}

export interface JobOptions {
  // Same id, same job: a retried enqueue does not run the work twice while the first is queued.
  jobId?: string;
  delayMs?: number;
  attempts?: number;
}

export type JobHandler = (data: Record<string, unknown>, job: JobContext) => Promise<unknown>;

export interface JobContext {
  id: string;
  attempt: number;
  reportProgress(progress: number): Promise<void>;
}
