import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AppModule } from '../../apps/admin-api/src/app.module';
import { Config, loadConfig } from '../../apps/admin-api/src/config/config';
import { PrismaService } from '../../apps/admin-api/src/platform/database/prisma.service';
import { createHttpApp } from '../../apps/admin-api/src/platform/http/http-app';
import { JobsService } from '../../apps/admin-api/src/platform/jobs/jobs.service';
import { TEST_SECRET_KEY } from '@steward/testing';

export { TEST_SECRET_KEY };

export interface TestApi {
  app: NestFastifyApplication;
  url: string;
  config: Config;
  prisma: PrismaService;
  jobs: JobsService;
  get<T>(token: new (...args: never[]) => T): T;
  close(): Promise<void>;
}

// The real API, in this process, on a free port, against the run's database and Redis (from
// global-setup), unless the test overrides the environment.
export async function startTestApi(env: Record<string, string | undefined> = {}): Promise<TestApi> {
  const config = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    STEWARD_QUEUE_PREFIX: process.env.STEWARD_QUEUE_PREFIX,
    STEWARD_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const app = await createHttpApp(AppModule.forRoot(config), config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    prisma: app.get(PrismaService),
    jobs: app.get(JobsService),
    get: (token) => app.get(token),
    close: () => app.close(),
  };
}

// The embedded default: PGlite in a data folder of its own, in-process jobs and bus (no
// DATABASE_URL, no REDIS_URL). Closing it removes the folder.
export async function startEmbeddedTestApi(): Promise<TestApi> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-embedded-api-'));
  const api = await startTestApi({
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    STEWARD_DATA_DIR: dataDir,
  });
  return {
    ...api,
    close: async () => {
      await api.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
