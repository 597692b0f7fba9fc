// Every background job Steward runs, in one place. Each name has exactly one handler, registered
// by the module that owns the work; JobsService refuses to start when one is missing or doubled.
export enum JobName {
  // Proves the queue end to end (readiness and tests); its handler lives in platform/health.
  Ping = 'platform.ping',
  // Recompiles and re-signs the bundles of the users a governance or directory change affected.
  BundlesRepublish = 'bundles.republish',
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
