import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from '../../platform/http/problem';
import { BundleFeed } from './bundle-feed';
import { serveEndpoint } from './endpoint-route';
import { EndpointSessions } from './endpoint-sessions';
import type { AuthenticatedEndpoint } from './endpoint-sessions';
import { MAX_WAIT_SECONDS } from './endpoints.dto';

export const BUNDLE_PATH = '/api/v1/endpoints/bundle';
export const BUNDLE_CONTENT_TYPE = 'application/vnd.steward.bundle+json';

// The hot path (every endpoint pulls, mostly for a 304) is a plain Fastify route: Nest's guard,
// parameter decorators and exception-filter pipeline cost ~10% of the API's CPU per pull under load.
@Injectable()
export class BundleRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: EndpointSessions,
    private readonly feed: BundleFeed,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.get(BUNDLE_PATH, (request, reply) =>
      serveEndpoint(this.sessions, request, reply, async (endpoint) => {
        await this.pull(endpoint, request, reply);
        return reply;
      }),
    );
  }

  private async pull(
    endpoint: AuthenticatedEndpoint,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const waitParam = (request.query as { wait?: unknown }).wait;
    const wait = waitParam === undefined ? 0 : Number(waitParam);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      return problem(
        reply,
        400,
        `wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
        'invalid_request',
      );
    }
    const ifNoneMatch = request.headers['if-none-match'];
    let entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    if (entry && wait > 0 && ifNoneMatch === entry.etag) {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      request.raw.once('close', onClose);
      const outcome = await this.feed.waitForChange(endpoint.endpointId, wait * 1000, abort.signal);
      request.raw.off('close', onClose);
      if (outcome === 'closed') return;
      if (outcome === 'revoked') {
        return problem(reply, 401, 'the endpoint was revoked', 'endpoint_revoked');
      }
      entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    }
    if (!entry) {
      return problem(
        reply,
        404,
        'no bundle has been published for this endpoint yet',
        'bundle_not_found',
      );
    }
    void reply
      .header('etag', entry.etag)
      .header('cache-control', 'no-cache')
      .header('steward-bundle-version', String(entry.version))
      .header('steward-trust-set-version', String(entry.trustSetVersion));
    if (ifNoneMatch === entry.etag) {
      void reply.status(304).send();
      return;
    }
    // The body may be newer than the entry (a format upgrade republishes on read): the headers
    // describe the bytes sent.
    const served = await this.feed.body(endpoint.organizationId, endpoint.endpointId, entry.etag);
    if (!served) {
      return problem(
        reply,
        404,
        'no bundle has been published for this endpoint yet',
        'bundle_not_found',
      );
    }
    void reply
      .header('etag', served.etag)
      .header('steward-bundle-version', String(served.version))
      .status(200)
      .type(BUNDLE_CONTENT_TYPE)
      .send(served.body);
  }
}

function problem(reply: FastifyReply, status: number, detail: string, code?: string): void {
  void sendProblem(reply, status, { detail, ...(code ? { code } : {}) });
}
