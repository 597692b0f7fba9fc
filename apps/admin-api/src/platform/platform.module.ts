import { DynamicModule, Global, Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { Config, CONFIG } from '../config/config';
import { DATABASE, openDatabase } from './database/database';
import { DatabaseMaintenance } from './database/database-maintenance';
import { PrismaService } from './database/prisma.service';
import { HealthController } from './health/health.controller';
import { BullMqJobBackend } from './jobs/bullmq-backend';
import { InProcessJobBackend } from './jobs/in-process-backend';
import { JOB_BACKEND, JOBS_ENABLED, JobsService } from './jobs/jobs.service';
import { JobName } from './jobs/job-names';
import { EVENT_BUS, InProcessEventBus, RedisEventBus } from './redis/event-bus';
import type { EventBus } from './redis/event-bus';
import { connectRedis, REDIS } from './redis/redis';
import type { OptionalRedis } from './redis/redis';

class RedisLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(REDIS) private readonly redis: OptionalRedis,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.bus.close();
    this.redis?.disconnect();
  }
}

// Database, Redis, jobs, fan-out and health: what every feature module may use. It never
// imports from modules/.
@Global()
@Module({})
export class PlatformModule {
  // The CLI (`cli: true`) reaches an embedded database through the server that holds it, never opens
  // Redis and runs no jobs.
  static forRoot(config: Config, options: { cli?: boolean } = {}): DynamicModule {
    const cli = options.cli ?? false;
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: DATABASE, useFactory: () => openDatabase(config, cli ? 'client' : 'server') },
        { provide: JOBS_ENABLED, useValue: !cli },
        PrismaService,
        {
          provide: REDIS,
          // After the database: a start that fails there (unreachable, a migration refused) then
          // leaves no Redis connection behind, which would keep a test runner's process alive.
          inject: [DATABASE],
          useFactory: () => (config.REDIS_URL && !cli ? connectRedis(config.REDIS_URL) : null),
        },
        {
          provide: EVENT_BUS,
          inject: [REDIS],
          useFactory: (redis: OptionalRedis) =>
            redis ? new RedisEventBus(redis, config.STEWARD_QUEUE_PREFIX) : new InProcessEventBus(),
        },
        {
          provide: JOB_BACKEND,
          inject: [REDIS],
          useFactory: (redis: OptionalRedis) =>
            redis
              ? new BullMqJobBackend(redis, config.STEWARD_QUEUE_PREFIX)
              : new InProcessJobBackend(),
        },
        JobsService,
        RedisLifecycle,
        DatabaseMaintenance,
        {
          provide: 'PingJobRegistration',
          inject: [JobsService],
          useFactory: (jobs: JobsService) => jobs.register(JobName.Ping, async (data) => data),
        },
      ],
      exports: [CONFIG, DATABASE, PrismaService, REDIS, EVENT_BUS, JobsService],
    };
  }
}
