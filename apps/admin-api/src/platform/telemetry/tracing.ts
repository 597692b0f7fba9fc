import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { Config } from '../../config/config';

export interface Tracing {
  shutdown(): Promise<void>;
}

// Traces HTTP requests, database queries (Prisma talks to Postgres through `pg`) and Redis; jobs
// get a span each in JobsService. Must start before the instrumented libraries are loaded, which
// is why main.ts starts it before it loads the application.
export function startTracing(config: Config): Tracing | null {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return null;
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME,
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }),
    instrumentations: [
      new HttpInstrumentation({
        // Long-polls and health probes would drown the traces that matter.
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz)\b/.test(request.url ?? ''),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
