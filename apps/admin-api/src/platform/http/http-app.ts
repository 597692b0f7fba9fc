import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fs from 'node:fs';
import { Config } from '../../config/config';
import { repoPath } from '../repo-path';
import { setupOpenApi } from './openapi';
import { problemTitle } from './problem';
import { ProblemFilter } from './problem.filter';
import { attachRawRoutes, RawRoutes } from './raw-routes';
import { logLevelsFrom, StewardLogger } from '../logger';

// Large enough for an IdP's group PATCH with thousands of members (documented in the README).
export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

// Answers an error Fastify raises before any route or hook runs (a URL it cannot decode); returns
// whether it did. Modules with a protocol of their own (SCIM) answer those under their paths.
export type FrameworkErrorRenderer = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => boolean;

const frameworkErrorRenderers = new WeakMap<object, FrameworkErrorRenderer[]>();

export function renderFrameworkErrors(fastify: object, renderer: FrameworkErrorRenderer): void {
  frameworkErrorRenderers.get(fastify)?.push(renderer);
}

export async function createHttpApp(
  module: unknown,
  config: Config,
): Promise<NestFastifyApplication> {
  const renderers: FrameworkErrorRenderer[] = [];
  const rawRoutes = new RawRoutes();
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: true,
    serverFactory: rawRoutes.serverFactory,
    // Fastify would write its own JSON straight to the socket: a problem instead, unless a module
    // renders it.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      if (renderers.some((render) => render(error, request, reply))) return;
      const status = error.statusCode ?? 400;
      void reply
        .status(status)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: problemTitle(status), status, detail: error.message });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module as never, adapter, {
    logger: new StewardLogger({ logLevels: logLevelsFrom(config.LOG_LEVEL) }),
    // Start-up failures reach main.ts, which explains them on one screen.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  frameworkErrorRenderers.set(fastify, renderers);
  attachRawRoutes(fastify, rawRoutes);
  // SCIM clients send application/scim+json; it is JSON. An empty body is no body (IdPs send the
  // content type on a DELETE too).
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    ['application/scim+json', 'application/problem+json'],
    { parseAs: 'string' },
    (request, body: string, done) =>
      body === '' ? done(null, undefined) : json(request, body, done),
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
