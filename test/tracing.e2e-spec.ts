import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildOnce, ServerProcess, startServerProcess } from '@steward/testing';
import { TEST_SECRET_KEY } from '@steward/testing';

jest.setTimeout(120_000);

interface OtlpSpan {
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

// A local OTLP/HTTP receiver: collects the spans the API exports as OTLP JSON.
function startReceiver(): Promise<{
  url: string;
  spans: OtlpSpan[];
  services: Set<string>;
  close(): void;
}> {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const resourceSpan of payload.resourceSpans) {
          const name = resourceSpan.resource.attributes.find((a) => a.key === 'service.name');
          if (name?.value.stringValue) services.add(name.value.stringValue);
          for (const scope of resourceSpan.scopeSpans) spans.push(...scope.spans);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        services,
        close: () => server.close(),
      }),
    ),
  );
}

describe('OpenTelemetry tracing of the API', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let api: ServerProcess;

  beforeAll(async () => {
    await buildOnce();
    receiver = await startReceiver();
    api = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      STEWARD_QUEUE_PREFIX: `${process.env.STEWARD_QUEUE_PREFIX}-tracing`,
      STEWARD_SECRET_KEY: TEST_SECRET_KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'steward-api-under-test',
      PORT: '0',
      LOG_LEVEL: 'error',
    });
  });

  afterAll(async () => {
    await api?.stop();
    receiver?.close();
  });

  it('exports spans for HTTP requests, database queries and jobs to the configured collector', async () => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(response.status).toBe(200);
    // The SDK batches spans; a graceful stop flushes them.
    await api.stop();

    expect(receiver.services).toEqual(new Set(['steward-api-under-test']));
    const names = receiver.spans.map((span) => span.name);
    expect(names).toContain('POST');
    const httpSpan = receiver.spans.find(
      (span) =>
        span.name === 'POST' &&
        span.attributes.some((a) => a.key === 'url.path' && a.value.stringValue === '/graphql'),
    );
    expect(httpSpan).toBeDefined();
    // Prisma reaches Postgres through `pg`: its queries (migrations check, first organization) are spans.
    expect(
      receiver.spans.some((span) =>
        span.attributes.some(
          (a) => a.key === 'db.system.name' && a.value.stringValue === 'postgresql',
        ),
      ),
    ).toBe(true);
    // Scheduled jobs (rollups, partitions…) run at start, each in a span of its own.
    expect(names.some((name) => name.startsWith('job '))).toBe(true);
  });
});
