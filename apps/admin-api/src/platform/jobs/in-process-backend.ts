import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JobBackend } from './job-backend';
import { JobHandler, JobName, JobOptions } from './job-names';

interface PendingJob {
  id: string;
  name: JobName;
  data: Record<string, unknown>;
  attempt: number;
  attempts: number;
}

const RETRY_BASE_MS = 200;

// Jobs for the single-process default: a queue in memory with retries and back-off. Work queued
// here is lost if the process dies, which is why production runs with Redis (and why no job may be
// the only record of anything: jobs derive from rows in Postgres and are safe to re-run).
export class InProcessJobBackend implements JobBackend {
  private readonly logger = new Logger('Jobs');
  private readonly queue: PendingJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  // Delays and retries keep the queue busy; repeating schedules never let it be idle, so they
  // are not counted.
  private readonly oneOffTimers = new Set<NodeJS.Timeout>();
  private readonly queuedIds = new Set<string>();
  private dispatch?: (name: JobName) => JobHandler;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly concurrency = 4) {}

  async enqueue(
    name: JobName,
    data: Record<string, unknown>,
    options: JobOptions,
  ): Promise<string> {
    const id = options.jobId ?? randomUUID();
    if (this.queuedIds.has(id)) return id;
    this.queuedIds.add(id);
    const job: PendingJob = { id, name, data, attempt: 1, attempts: options.attempts ?? 3 };
    if (options.delayMs) this.later(options.delayMs, () => this.push(job));
    else this.push(job);
    return id;
  }

  async schedule(name: JobName, everyMs: number): Promise<void> {
    const tick = () => {
      void this.enqueue(name, {}, { jobId: `${name}:scheduled` });
      this.later(everyMs, tick, true);
    };
    this.later(everyMs, tick, true);
  }

  async startWorking(dispatch: (name: JobName) => JobHandler): Promise<void> {
    this.dispatch = dispatch;
    this.pump();
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.running === 0 && this.oneOffTimers.size === 0;
  }

  private later(ms: number, fn: () => void, repeating = false): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.oneOffTimers.delete(timer);
      if (!this.closed) fn();
      this.settle();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    if (!repeating) this.oneOffTimers.add(timer);
  }

  private push(job: PendingJob): void {
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.dispatch && !this.closed && this.running < this.concurrency && this.queue.length) {
      const job = this.queue.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        this.settle();
      });
    }
  }

  private async run(job: PendingJob): Promise<void> {
    try {
      await this.dispatch!(job.name)(job.data, {
        id: job.id,
        attempt: job.attempt,
        reportProgress: async () => undefined,
      });
      this.queuedIds.delete(job.id);
    } catch (error) {
      if (job.attempt >= job.attempts) {
        this.queuedIds.delete(job.id);
        this.logger.error(
          `job ${job.name} ${job.id} failed after ${job.attempt} attempts: ${String(error)}`,
        );
        return;
      }
      const retry = { ...job, attempt: job.attempt + 1 };
      this.later(RETRY_BASE_MS * 2 ** (job.attempt - 1), () => this.push(retry));
    }
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
