import type { FastifyServerOptions } from 'fastify';
import type { AddressInfo } from 'node:net';
import { RawRoutes } from './raw-routes';

describe('RawRoutes', () => {
  it('answers a matching method and path itself, with its query, and hands everything else to Fastify', async () => {
    const routes = new RawRoutes();
    routes.add('GET', '/raw', (_request, response, query) => {
      response.end(`raw ${query.get('wait') ?? '-'}`);
    });
    const server = routes.serverFactory(
      (request, response) => response.end(`fastify ${request.url}`),
      {
        keepAliveTimeout: 72_000,
        requestTimeout: 0,
        connectionTimeout: 0,
      } as FastifyServerOptions,
    );
    expect(server.keepAliveTimeout).toBe(72_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const text = async (path: string, method = 'GET') =>
      (await fetch(`${base}${path}`, { method })).text();
    try {
      expect(await text('/raw')).toBe('raw -');
      expect(await text('/raw?wait=30')).toBe('raw 30');
      expect(await text('/raw/more')).toBe('fastify /raw/more');
      expect(await text('/raw', 'POST')).toBe('fastify /raw');
    } finally {
      server.close();
    }
  });
});
