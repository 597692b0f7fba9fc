import { JobHandler, JobName, JobOptions } from './job-names';

// The two ways Steward runs jobs behind one interface: BullMQ on Redis (several processes), or
// in-process when no REDIS_URL is set (the zero set-up single node).
export interface JobBackend {
  enqueue(name: JobName, data: Record<string, unknown>, options: JobOptions): Promise<string>;
  schedule(name: JobName, everyMs: number): Promise<void>;
  startWorking(dispatch: (name: JobName) => JobHandler): Promise<void>;
  // Resolves once nothing is queued, delayed or running (tests wait on this; they never sleep).
  drain(): Promise<void>;
  close(): Promise<void>;
}
