import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { writeProblem } from '../../platform/http/problem';
import { rawRoutesOf } from '../../platform/http/raw-routes';
import { BundleFeed } from './bundle-feed';
import type { FeedEntry } from './bundle-feed';
import type { ServedBundle } from '../bundles/bundles.service';
import { serveRawEndpoint } from './endpoint-route';
import { EndpointSessions } from './endpoint-sessions';
import type { AuthenticatedEndpoint } from './endpoint-sessions';
import { MAX_WAIT_SECONDS } from './endpoints.dto';

export const BUNDLE_PATH = '/api/v1/endpoints/bundle';
export const BUNDLE_CONTENT_TYPE = 'application/vnd.steward.bundle+json';

const NOT_PUBLISHED = {
  detail: 'no bundle has been published for this endpoint yet',
  code: 'bundle_not_found',
};

// The hot path (every endpoint pulls, mostly for a 304) is a raw node:http route (RawRoutes):
// Nest's guard and filters, and then Fastify's request hooks, were most of the API's CPU per pull.
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
    rawRoutesOf(fastify).add('GET', BUNDLE_PATH, (request, response, query) => {
      if (this.answeredAtOnce(request, response, query)) return;
      void serveRawEndpoint(this.sessions, request, response, BUNDLE_PATH, (endpoint) =>
        this.pull(endpoint, request, response, query.get('wait')),
      );
    });
  }

  // Most pulls: no wait, with the credential, the subject's ETag and (for a 200) its bundle's bytes
  // in this replica's memory. Answered right here, with no promise in between (the bundle-pull
  // bench's 304 went from 0.74x to 0.83-0.86x of bare node:http with it; the 200's CPU hardly
  // moved); anything else takes the full path below.
  private answeredAtOnce(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
  ): boolean {
    if (query.has('wait')) return false;
    const endpoint = this.sessions.cachedEndpoint(request.headers.authorization);
    const entry = endpoint && this.feed.freshEntry(endpoint.endpointId);
    if (!entry) return false;
    if (request.headers['if-none-match'] === entry.etag) {
      sendNotModified(response, entry);
      return true;
    }
    const cached = this.feed.cachedBody(endpoint.endpointId, entry.etag);
    if (!cached) return false;
    sendBundle(response, entry, cached);
    return true;
  }

  private async pull(
    endpoint: AuthenticatedEndpoint,
    request: IncomingMessage,
    response: ServerResponse,
    waitParam: string | null,
  ): Promise<void> {
    const wait = waitParam === null ? 0 : Number(waitParam);
    if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS) {
      return writeProblem(response, 400, {
        detail: `wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
        code: 'invalid_request',
      });
    }
    const ifNoneMatch = request.headers['if-none-match'];
    let entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    if (entry && wait > 0 && ifNoneMatch === entry.etag) {
      const abort = new AbortController();
      const onClose = () => abort.abort();
      response.once('close', onClose);
      const held = {
        organizationId: endpoint.organizationId,
        endpointId: endpoint.endpointId,
        version: entry.version,
      };
      const outcome = await this.feed.waitForChange(held, wait * 1000, abort.signal);
      response.off('close', onClose);
      if (outcome === 'closed') return;
      if (outcome === 'revoked') {
        return writeProblem(response, 401, {
          detail: 'the endpoint was revoked',
          code: 'endpoint_revoked',
        });
      }
      entry = await this.feed.current(endpoint.organizationId, endpoint.endpointId);
    }
    if (!entry) return writeProblem(response, 404, NOT_PUBLISHED);
    if (ifNoneMatch === entry.etag) return sendNotModified(response, entry);
    // The body may be newer than the entry (a format upgrade republishes on read): the headers
    // describe the bytes sent.
    const served = await this.feed.body(endpoint.organizationId, endpoint.endpointId, entry.etag);
    if (!served) return writeProblem(response, 404, NOT_PUBLISHED);
    sendBundle(response, entry, served);
  }
}

// The headers of an entry's answers, built once per entry and bundle: a feed entry is replaced,
// never changed, when its subject's bundle moves, and most pulls answer the same one again
// (the bundle-pull bench's 200: 51 µs of API CPU a request when they were built per pull, 39 µs
// with them built once).
const notModifiedHeaders = new WeakMap<FeedEntry, OutgoingHttpHeaders>();
const bundleHeaders = new WeakMap<
  ServedBundle,
  { entry: FeedEntry; headers: OutgoingHttpHeaders }
>();

function sendBundle(response: ServerResponse, entry: FeedEntry, served: ServedBundle): void {
  let built = bundleHeaders.get(served);
  if (built?.entry !== entry) {
    built = {
      entry,
      headers: {
        ...headersOf({ ...entry, etag: served.etag, version: served.version }),
        'content-type': BUNDLE_CONTENT_TYPE,
        'content-length': served.body.length,
      },
    };
    bundleHeaders.set(served, built);
  }
  response.writeHead(200, built.headers);
  response.end(served.body);
}

function sendNotModified(response: ServerResponse, entry: FeedEntry): void {
  let headers = notModifiedHeaders.get(entry);
  if (!headers) notModifiedHeaders.set(entry, (headers = headersOf(entry)));
  response.writeHead(304, headers);
  response.end();
}

function headersOf(entry: FeedEntry): OutgoingHttpHeaders {
  return {
    etag: entry.etag,
    'cache-control': 'no-cache',
    'steward-bundle-version': String(entry.version),
    'steward-trust-set-version': String(entry.trustSetVersion),
  };
}
