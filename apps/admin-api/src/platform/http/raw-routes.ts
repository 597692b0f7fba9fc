import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import http from 'node:http';

// The request and the query string's parameters of a raw route.
export type RawHandler = (
  request: http.IncomingMessage,
  response: http.ServerResponse,
  query: URLSearchParams,
) => void;

const NO_QUERY = new URLSearchParams();

// Routes answered on node:http ahead of Fastify, for the endpoint protocol's hottest request: every
// endpoint pulls its bundle, mostly for a 304. Nest's Fastify adapter runs six onRequest hooks,
// middie and cookie parsing for every request before a route's handler; for that pull they were
// half the API's CPU (49 µs a 304 against bare node:http's 25 µs, measured under the bundle-pull
// bench). A raw route gets the request as node:http hands it over, and answers it whole; every
// other request goes to Fastify unchanged.
export class RawRoutes {
  private readonly routes = new Map<string, RawHandler>();

  add(method: string, path: string, handler: RawHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  // Fastify's `serverFactory`: the HTTP server Fastify would make, with the same timeouts, whose
  // requests go to a raw route when one matches and to Fastify's handler otherwise.
  readonly serverFactory = (
    fastifyHandler: http.RequestListener,
    options: FastifyServerOptions,
  ): http.Server => {
    const serverOptions = (options as { http?: http.ServerOptions }).http ?? {};
    const server = http.createServer(serverOptions, (request, response) => {
      const url = request.url ?? '/';
      const mark = url.indexOf('?');
      const path = mark < 0 ? url : url.slice(0, mark);
      const handler = this.routes.get(`${request.method} ${path}`);
      if (!handler) return fastifyHandler(request, response);
      handler(request, response, mark < 0 ? NO_QUERY : new URLSearchParams(url.slice(mark + 1)));
    });
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  };
}

// Which RawRoutes a Fastify instance's server answers with (set by createHttpApp): modules reach
// it through the instance Nest's HttpAdapterHost gives them.
const attached = new WeakMap<FastifyInstance, RawRoutes>();

export function attachRawRoutes(fastify: FastifyInstance, routes: RawRoutes): void {
  attached.set(fastify, routes);
}

export function rawRoutesOf(fastify: FastifyInstance): RawRoutes {
  const routes = attached.get(fastify);
  if (!routes) throw new Error('the HTTP app was not made by createHttpApp (no raw routes)');
  return routes;
}
