import zlib from 'node:zlib';
import protobuf from 'protobufjs';
import { z } from 'zod';
import { repoPath } from '../../platform/repo-path';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';

// OTLP/HTTP on the wire (https://opentelemetry.io/docs/specs/otlp/#otlphttp): request bodies in
// binary protobuf or JSON, optionally gzip-compressed, decoded into one plain shape; answers and
// errors (a google.rpc.Status) encoded in the request's own content type. The protobuf messages
// come from the official opentelemetry-proto definitions in otlp-proto/, read by protobufjs.

export type Signal = 'logs' | 'metrics';
export type WireFormat = 'json' | 'protobuf';

// Larger decompressed bodies are refused: a Claude Code export is a few KB.
export const MAX_OTLP_BYTES = 8 * 1024 * 1024;
const PROTO_DIR = repoPath('apps/admin-api/src/modules/telemetry/otlp-proto');
const STATUS_INVALID_ARGUMENT = 3;

// The OTLP value types, as both encodings decode to them (protobuf through toObject with 64-bit
// integers as strings, JSON as the OTLP JSON mapping writes them).
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}

const AnyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    arrayValue: z.object({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValueSchema).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
const KeyValueSchema: z.ZodType<KeyValue> = z.lazy(() =>
  z.object({ key: z.string(), value: AnyValueSchema.optional() }),
);
const Attributes = z.array(KeyValueSchema).optional();
const Nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional();
const Resource = z.object({ attributes: Attributes }).optional();

const LogRecordSchema = z.object({
  timeUnixNano: Nanos,
  observedTimeUnixNano: Nanos,
  eventName: z.string().optional(),
  body: AnyValueSchema.optional(),
  attributes: Attributes,
});
export type LogRecord = z.infer<typeof LogRecordSchema>;

export const LogsRequest = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: Resource,
        scopeLogs: z
          .array(z.object({ logRecords: z.array(LogRecordSchema).optional() }))
          .optional(),
      }),
    )
    .optional(),
});
export type LogsRequest = z.infer<typeof LogsRequest>;

const NumberPoint = z.object({
  attributes: Attributes,
  startTimeUnixNano: Nanos,
  timeUnixNano: Nanos,
  asDouble: z.union([z.number(), z.string()]).optional(),
  asInt: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).optional(),
  count: z.union([z.string().regex(/^\d+$/), z.number().int()]).optional(),
  sum: z.number().optional(),
});
export type MetricPoint = z.infer<typeof NumberPoint>;
const Points = z.object({ dataPoints: z.array(NumberPoint).optional() }).optional();

const MetricSchema = z.object({
  name: z.string(),
  unit: z.string().optional(),
  sum: Points,
  gauge: Points,
  histogram: Points,
  exponentialHistogram: Points,
  summary: Points,
});
export type Metric = z.infer<typeof MetricSchema>;

export const MetricsRequest = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: Resource,
        scopeMetrics: z.array(z.object({ metrics: z.array(MetricSchema).optional() })).optional(),
      }),
    )
    .optional(),
});
export type MetricsRequest = z.infer<typeof MetricsRequest>;

const TYPES = {
  logs: {
    request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  },
  metrics: {
    request: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    response: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  },
} as const;

let root: protobuf.Root | null = null;

// Loaded on first use from the .proto files (parsed once per process).
function protoRoot(): protobuf.Root {
  if (root) return root;
  const loaded = new protobuf.Root();
  loaded.resolvePath = (_origin, target) => `${PROTO_DIR}/${target}`;
  loaded.loadSync([
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  ]);
  // google.rpc.Status, the body of every OTLP error (google/rpc/status.proto, without `details`,
  // which Steward never sends).
  loaded.add(
    new protobuf.Type('Status')
      .add(new protobuf.Field('code', 1, 'int32'))
      .add(new protobuf.Field('message', 2, 'string')),
  );
  loaded.resolveAll();
  root = loaded;
  return loaded;
}

// A body that is not an OTLP export request.
export function notOtlp(message: string): TelemetryError {
  return new TelemetryError(TelemetryErrorCode.Invalid, message);
}

export function wireFormatOf(contentType: string | undefined): WireFormat | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return null;
}

// The body's bytes as sent, decompressed when Content-Encoding says gzip.
export function inflate(body: Buffer, encoding: string | undefined): Buffer {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === 'identity') return body;
  if (coding !== 'gzip') throw notOtlp(`unsupported Content-Encoding ${coding}`);
  try {
    return zlib.gunzipSync(body, { maxOutputLength: MAX_OTLP_BYTES });
  } catch (error) {
    throw notOtlp(`the gzip body does not inflate: ${(error as Error).message}`);
  }
}

// Decodes and checks an export request; anything that is not one is refused (notOtlp).
export function decodeRequest(signal: 'logs', format: WireFormat, bytes: Buffer): LogsRequest;
export function decodeRequest(signal: 'metrics', format: WireFormat, bytes: Buffer): MetricsRequest;
export function decodeRequest(
  signal: Signal,
  format: WireFormat,
  bytes: Buffer,
): LogsRequest | MetricsRequest {
  let decoded: unknown;
  try {
    if (format === 'json') {
      decoded = JSON.parse(bytes.toString('utf8'));
    } else {
      const type = protoRoot().lookupType(TYPES[signal].request);
      decoded = type.toObject(type.decode(bytes), {
        longs: String,
        enums: Number,
        bytes: String,
      });
    }
  } catch (error) {
    throw notOtlp(`not an OTLP ${signal} ${format} body: ${(error as Error).message}`);
  }
  const schema = signal === 'logs' ? LogsRequest : MetricsRequest;
  const parsed = schema.safeParse(decoded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw notOtlp(
      `not an OTLP ${signal} request: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

// ExportLogsServiceResponse / ExportMetricsServiceResponse: empty, or with a partial success.
export function encodeResponse(
  signal: Signal,
  format: WireFormat,
  rejected: number,
  errorMessage: string,
): Buffer | string {
  const partialSuccess = rejected
    ? {
        [signal === 'logs' ? 'rejectedLogRecords' : 'rejectedDataPoints']: rejected,
        errorMessage,
      }
    : undefined;
  const message = partialSuccess ? { partialSuccess } : {};
  if (format === 'json') return JSON.stringify(message);
  const type = protoRoot().lookupType(TYPES[signal].response);
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

export function encodeStatus(format: WireFormat, message: string): Buffer | string {
  const status = { code: STATUS_INVALID_ARGUMENT, message };
  if (format === 'json') return JSON.stringify(status);
  const type = protoRoot().lookupType('Status');
  return Buffer.from(type.encode(type.fromObject(status)).finish());
}

export function contentTypeOf(format: WireFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}

// An attribute value as one flat JSON value: arrays and maps as JSON text.
export function flatValue(value: AnyValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(flatValue));
  if (value.kvlistValue) return JSON.stringify(flatAttributes(value.kvlistValue.values));
  return value.bytesValue;
}

export function flatAttributes(
  attributes: KeyValue[] | undefined,
): Record<string, string | number | boolean> {
  const flat: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    const v = flatValue(value);
    if (v !== undefined) flat[key] = v;
  }
  return flat;
}
