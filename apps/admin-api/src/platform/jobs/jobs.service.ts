import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import type { JobBackend } from './job-backend';
import { JobContext, JobHandler, JobName, JobOptions } from './job-names';

export const JOB_BACKEND = Symbol('JobBackend');
// False in the CLI: it enqueues nothing and works on nothing.
export const JOBS_ENABLED = Symbol('JobsEnabled');

interface Schedule {
  name: JobName;
  everyMs: number;
}

// Feature modules register their handlers (and repeating schedules) in onModuleInit; once every
// module has, this checks that each job name has exactly one handler and, in processes that run
// jobs, starts working.
const tracer = trace.getTracer('steward-jobs');

// One span per job run, so a job's database and Redis calls nest under it in a trace.
function traced<T>(name: JobName, job: JobContext, run: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `job ${name}`,
    { attributes: { 'job.name': name, 'job.id': job.id, 'job.attempt': job.attempt } },
    async (span) => {
      try {
        return await run();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

@Injectable()
export class JobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly handlers = new Map<JobName, JobHandler>();
  private readonly schedules: Schedule[] = [];
  private readonly otherWork: (() => Promise<void>)[] = [];

  constructor(
    @Inject(JOB_BACKEND) private readonly backend: JobBackend,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(JOBS_ENABLED) private readonly enabled: boolean,
  ) {}

  register(name: JobName, handler: JobHandler, schedule?: { everyMs: number }): void {
    if (this.handlers.has(name)) throw new Error(`job ${name} has two handlers`);
    this.handlers.set(name, handler);
    if (schedule) this.schedules.push({ name, everyMs: schedule.everyMs });
  }

  enqueue(
    name: JobName,
    data: Record<string, unknown> = {},
    options: JobOptions = {},
  ): Promise<string> {
    return this.backend.enqueue(name, data, options);
  }

  // Whether this process works on jobs (not the CLI, not an HTTP-only replica).
  worksHere(): boolean {
    return this.enabled && this.config.STEWARD_PROCESS_ROLE !== 'api';
  }

  // Background work that runs beside the queue (the propagation outbox); drain waits for it too.
  drainAlso(drain: () => Promise<void>): void {
    this.otherWork.push(drain);
  }

  async drain(): Promise<void> {
    for (const drain of this.otherWork) await drain();
    await this.backend.drain();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    const missing = Object.values(JobName).filter((name) => !this.handlers.has(name));
    if (missing.length) throw new Error(`jobs without a handler: ${missing.join(', ')}`);
    if (this.config.STEWARD_PROCESS_ROLE === 'api') return;
    for (const { name, everyMs } of this.schedules) await this.backend.schedule(name, everyMs);
    await this.backend.startWorking((name) => {
      const handler = this.handlers.get(name);
      if (!handler) throw new Error(`no handler for job ${name}`);
      return (data, job) => traced(name, job, () => handler(data, job));
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.backend.close();
  }
}
