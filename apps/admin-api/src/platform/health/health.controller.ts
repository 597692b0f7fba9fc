import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PrismaService } from '../database/prisma.service';
import { REDIS } from '../redis/redis';
import type { OptionalRedis } from '../redis/redis';

const CHECK_TIMEOUT_MS = 2000;

type CheckResult = 'ok' | 'not configured' | `failed: ${string}`;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: OptionalRedis,
  ) {}

  // The process is up and serving HTTP.
  @Get('healthz')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  // Everything a request needs is reachable; 503 names what is not.
  @Get('readyz')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const redis = this.redis;
    const [database, redisCheck] = await Promise.all([
      check(() => this.prisma.$queryRaw`SELECT 1`),
      redis ? check(() => redis.ping()) : Promise.resolve<CheckResult>('not configured'),
    ]);
    const ready = database === 'ok' && (redisCheck === 'ok' || redisCheck === 'not configured');
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', checks: { database, redis: redisCheck } };
  }
}
