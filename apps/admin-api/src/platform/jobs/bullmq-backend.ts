import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobBackend } from './job-backend';
import { JobHandler, JobName, JobOptions } from './job-names';

const QUEUE = 'jobs';
const DRAIN_POLL_MS = 25;

// Production jobs: one BullMQ queue, dispatched by job name, shared by every API replica and
// worker process.
export class BullMqJobBackend implements JobBackend {
  private readonly logger = new Logger('Jobs');
  private readonly queue: Queue;
  private worker?: Worker;
  private workerConnection?: Redis;
  private readonly schedules = new Map<JobName, number>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly concurrency = 8,
  ) {
    this.queue = new Queue(QUEUE, { connection, prefix });
  }

  async enqueue(
    name: JobName,
    data: Record<string, unknown>,
    options: JobOptions,
  ): Promise<string> {
    const job = await this.queue.add(name, data, {
      jobId: options.jobId,
      delay: options.delayMs,
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: 200 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return job.id!;
  }

  async schedule(name: JobName, everyMs: number): Promise<void> {
    if (!this.schedules.size) {
      // Schedules live in Redis: a Redis that comes back empty (restarted without persistence,
      // failed over to a fresh replica) would otherwise never run them again. Upserting is
      // idempotent, so every reconnect puts them back.
      this.connection.on('ready', () => {
        for (const [scheduled, every] of this.schedules) {
          this.queue
            .upsertJobScheduler(scheduled, { every }, { name: scheduled, data: {} })
            .catch((error: unknown) =>
              this.logger.warn(`schedule ${scheduled} not restored yet: ${String(error)}`),
            );
        }
      });
    }
    this.schedules.set(name, everyMs);
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name, data: {} });
  }

  async startWorking(dispatch: (name: JobName) => JobHandler): Promise<void> {
    // BullMQ blocks a connection per worker; it must be its own (maxRetriesPerRequest null), and
    // BullMQ leaves connections it was given open, so this backend closes it.
    this.workerConnection = this.connection.duplicate({ maxRetriesPerRequest: null });
    this.worker = new Worker(
      QUEUE,
      (job: Job) =>
        dispatch(job.name as JobName)(job.data as Record<string, unknown>, {
          id: job.id!,
          attempt: job.attemptsMade + 1,
          reportProgress: (progress) => job.updateProgress(progress),
        }),
      {
        connection: this.workerConnection,
        prefix: this.prefix,
        concurrency: this.concurrency,
      },
    );
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        `job ${job?.name} ${job?.id} attempt ${job?.attemptsMade} failed: ${error.message}`,
      ),
    );
    await this.worker.waitUntilReady();
  }

  async drain(): Promise<void> {
    for (;;) {
      const counts = await this.queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      // A repeating schedule always holds its next run as a delayed job; only one-off delays
      // (retries, delayed enqueues) count as work in flight. Counted by subtraction, because a
      // retry moving between states can be missing from a listing taken a moment later.
      const scheduled = (await this.queue.getDelayed()).filter((job) => job.repeatJobKey).length;
      counts.delayed = Math.max(0, (counts.delayed ?? 0) - scheduled);
      if (Object.values(counts).every((count) => count === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConnection?.disconnect();
  }
}
