import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeControlPlane {
  url: string;
  bundle: Buffer | null;
  etag: string;
  trustSetVersion: number;
  trustUpdates: string[];
  statuses: Record<string, unknown>[];
  failNext: number;
  // Every request is answered 401, as for a revoked endpoint credential.
  unauthorized: boolean;
  requests: { url: string; ifNoneMatch?: string }[];
  close(): Promise<void>;
}

// A stand-in for the admin API's endpoint routes (docs/endpoint-protocol.md), serving whatever
// bytes a test puts in `bundle`, so the runtime can be fed forged and stale bundles.
export async function fakeControlPlane(): Promise<FakeControlPlane> {
  const fake = {
    bundle: null as Buffer | null,
    etag: '"1"',
    trustSetVersion: 1,
    trustUpdates: [] as string[],
    statuses: [] as Record<string, unknown>[],
    failNext: 0,
    unauthorized: false,
    requests: [] as { url: string; ifNoneMatch?: string }[],
  };
  const server = http.createServer((req, res) => {
    fake.requests.push({ url: req.url!, ifNoneMatch: req.headers['if-none-match'] });
    if (fake.failNext > 0) {
      fake.failNext -= 1;
      req.socket.destroy();
      return;
    }
    if (fake.unauthorized) {
      res.writeHead(401, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 401, code: 'endpoint_unauthenticated' }));
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url!.startsWith('/api/v1/endpoints/bundle')) {
        const headers = {
          etag: fake.etag,
          'steward-trust-set-version': String(fake.trustSetVersion),
        };
        if (req.headers['if-none-match'] === fake.etag || !fake.bundle) {
          res.writeHead(304, headers).end();
        } else {
          res.writeHead(200, headers).end(fake.bundle);
        }
      } else if (req.url!.startsWith('/api/v1/endpoints/trust-set')) {
        // `trustUpdates` holds every set after version 1, in order; each answer starts after `since`.
        const since = Number(new URL(req.url!, 'http://fake').searchParams.get('since') ?? 0);
        const updates = fake.trustUpdates.slice(Math.max(0, since - 1));
        res.end(JSON.stringify({ version: fake.trustSetVersion, updates }));
      } else if (req.url === '/api/v1/endpoints/status') {
        fake.statuses.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
