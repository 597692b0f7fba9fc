import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config/config';
import { BullMqJobBackend } from './bullmq-backend';
import { InProcessJobBackend } from './in-process-backend';
import { JobBackend } from './job-backend';
import { JobName } from './job-names';
import { JobsService } from './jobs.service';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const redis = new Redis(REDIS_URL, { lazyConnect: true });
afterAll(() => redis.disconnect());

// The same contract, run against both backends: BullMQ on the real Redis and the in-process one.
describe.each([
  ['in-process', () => new InProcessJobBackend()],
  [
    'BullMQ on Redis',
    () => new BullMqJobBackend(redis, `steward-jobs-spec-${randomBytes(4).toString('hex')}`),
  ],
])('JobsService on the %s backend', (_label, makeBackend: () => JobBackend) => {
  let backend: JobBackend;
  let jobs: JobsService;
  const runs: { data: Record<string, unknown>; attempt: number }[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    backend = makeBackend();
    jobs = new JobsService(backend, loadConfig({}), true);
    jobs.register(JobName.Ping, async (data, job) => {
      runs.push({ data, attempt: job.attempt });
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('flaky');
      }
    });
    // Every other job name needs a handler too, or the service refuses to start.
    for (const name of Object.values(JobName)) {
      if (name !== JobName.Ping) jobs.register(name, async () => undefined);
    }
    await jobs.onApplicationBootstrap();
  });

  afterAll(async () => {
    await jobs.onModuleDestroy();
  });

  beforeEach(() => {
    runs.length = 0;
    failuresLeft = 0;
  });

  it('runs an enqueued job with its data', async () => {
    await jobs.enqueue(JobName.Ping, { hello: 'world' });
    await jobs.drain();
    expect(runs).toEqual([{ data: { hello: 'world' }, attempt: 1 }]);
  });

  it('retries a failing job until it succeeds', async () => {
    failuresLeft = 2;
    await jobs.enqueue(JobName.Ping, { n: 1 }, { attempts: 3 });
    await jobs.drain();
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
  });

  it('runs a job once when it is enqueued twice with the same id', async () => {
    const jobId = `same-${randomBytes(4).toString('hex')}`;
    await Promise.all([
      jobs.enqueue(JobName.Ping, { copy: 1 }, { jobId }),
      jobs.enqueue(JobName.Ping, { copy: 2 }, { jobId }),
    ]);
    await jobs.drain();
    expect(runs).toHaveLength(1);
  });
});

describe('JobsService start-up check', () => {
  it('refuses to start when a job has no handler or two', async () => {
    const jobs = new JobsService(new InProcessJobBackend(), loadConfig({}), true);
    jobs.register(JobName.Ping, async () => undefined);
    await expect(jobs.onApplicationBootstrap()).rejects.toThrow(/jobs without a handler: /);
    expect(() => jobs.register(JobName.Ping, async () => undefined)).toThrow(/two handlers/);
  });
});

describe('job tracing', () => {
  it('runs each job in a span named after it', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
    const backend = new InProcessJobBackend();
    const jobs = new JobsService(backend, loadConfig({}), true);
    for (const name of Object.values(JobName)) jobs.register(name, async () => undefined);
    await jobs.onApplicationBootstrap();
    try {
      await jobs.enqueue(JobName.Ping, {}, { jobId: 'traced-job' });
      await jobs.drain();
      const span = exporter.getFinishedSpans().find((s) => s.name === `job ${JobName.Ping}`);
      expect(span?.attributes).toMatchObject({ 'job.name': JobName.Ping, 'job.id': 'traced-job' });
    } finally {
      await jobs.onModuleDestroy();
      trace.disable();
      context.disable();
    }
  });
});
