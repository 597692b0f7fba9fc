import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../apps/admin-api/src/app.module';
import { Config, loadConfig } from '../apps/admin-api/src/config/config';
import { applyMigrations } from '../apps/admin-api/src/platform/database/migrations';
import { createHttpApp } from '../apps/admin-api/src/platform/http/http-app';
import { startServerProcess } from '@steward/testing';
import type { ServerProcess } from '@steward/testing';
import { createTestDatabase } from '@steward/testing';

export interface BenchEnvironment {
  database: { name: string; url: string };
  config: Config;
  // The API in this process (fixtures, and the side under test unless the bench spawns one).
  app: NestFastifyApplication;
}

// What every benchmark starts from: a migrated database of its own, on the real Redis with a
// prefix of its own, and the API built for it. The caller drops the database when done.
export async function benchEnvironment(
  prefix: string,
  env: Record<string, string> = {},
): Promise<BenchEnvironment> {
  const database = await createTestDatabase(prefix);
  await applyMigrations(database.url);
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    STEWARD_QUEUE_PREFIX: `steward-bench-${Date.now()}`,
    STEWARD_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnopqrstuv',
    LOG_LEVEL: 'error',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  const app = await createHttpApp(AppModule.forRoot(config), config);
  return { database, config, app };
}

// Serves the in-process API on a free loopback port; returns its base URL.
export async function listenOnLoopback(app: NestFastifyApplication): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

// The node flags `npm start` and the Dockerfile run the API with.
export const API_NODE_FLAGS = ['--max-semi-space-size=64', '--heap-growing-percent=100'];

// The built API in a process of its own, as in production (API_NODE_FLAGS), on the bench's
// database and queue prefix, so the load generator in this process does not steal its event loop.
// With STEWARD_BENCH_CPU_PROF=<dir> it writes a V8 CPU profile there when it stops.
export function spawnBenchApi(
  database: { url: string },
  config: Config,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  return startServerProcess(
    {
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      STEWARD_QUEUE_PREFIX: config.STEWARD_QUEUE_PREFIX,
      STEWARD_SECRET_KEY: config.STEWARD_SECRET_KEY,
      STEWARD_PROCESS_ROLE: 'api',
      LOG_LEVEL: 'error',
      PORT: '0',
    },
    undefined,
    undefined,
    [...API_NODE_FLAGS, ...profiling(), ...nodeArgs],
  );
}

function profiling(): string[] {
  const dir = process.env.STEWARD_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

// A plain keep-alive node:http client for the endpoint protocol: lighter than fetch, so the load
// generator (on the same two cores) takes less CPU from the API under test. The returned `post`
// sends a JSON body (a string is sent as it is) with the endpoint's credential and resolves with
// the parsed answer of a 2xx; anything else rejects with the answer.
export function endpointClient(maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return function post<T = Record<string, unknown>>(
    url: string,
    secret: string,
    body: unknown,
  ): Promise<T> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${secret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            const status = response.statusCode ?? 500;
            if (status < 200 || status >= 300) reject(new Error(`${url}: ${status} ${text}`));
            else resolve(JSON.parse(text) as T);
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  };
}
