import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fs from 'node:fs';
import { Config } from '../../config/config';
import { repoPath } from '../repo-path';
import { setupOpenApi } from './openapi';
import { ProblemFilter } from './problem.filter';
import { logLevelsFrom, StewardLogger } from '../logger';

// Large enough for an IdP's group PATCH with thousands of members (documented in the README).
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export async function createHttpApp(
  module: unknown,
  config: Config,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: new StewardLogger({ logLevels: logLevelsFrom(config.LOG_LEVEL) }),
    // Start-up failures reach main.ts, which explains them on one screen.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // SCIM clients send application/scim+json; it is JSON.
  fastify.addContentTypeParser(
    ['application/scim+json', 'application/problem+json'],
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  );
  await app.register(fastifyCookie as never);
  const consoleDir = repoPath('apps', 'admin-web', 'dist');
  if (fs.existsSync(consoleDir)) {
    await app.register(fastifyStatic as never, {
      root: consoleDir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }
  setupOpenApi(app);
  app.useGlobalFilters(new ProblemFilter());
  return app;
}
