import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

const logger = new Logger('HTTP');

// What a client is told to wait before retrying a request that met an unreachable dependency: a
// Postgres restart or a failover takes seconds.
export const RETRY_AFTER_SECONDS = 2;

// Prisma's codes for a database it cannot reach or that dropped the connection (P1001 not
// reachable, P1002/P1008 timed out, P1017 connection closed, P2024 no pool connection in time).
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// The driver adapter's kinds for the same.
const ADAPTER_UNAVAILABLE = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
// Postgres SQLSTATEs: 08 connection exceptions, 57P01-57P03 admin/crash shutdown and "cannot
// connect now" (starting up, shutting down), 53300 too many connections.
const POSTGRES_UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/;
const SOCKET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTCONN',
]);
// `pg` and ioredis say it in words only.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Can't reach database server|Server has closed the connection|Connection is closed|Reached the max retries per request limit|Stream isn't writeable/;

type Inspectable = {
  code?: unknown;
  errorCode?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

// Whether `error` (or what caused it) says that the database or Redis cannot be reached right now,
// rather than that the request or the code is wrong. Such a failure is answered 503 with
// Retry-After: the same request succeeds once the dependency is back.
export function isDependencyUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length) {
    const next = pending.pop();
    if (!next || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const candidate = next as Inspectable;
    const code = typeof candidate.code === 'string' ? candidate.code : undefined;
    if (code && (PRISMA_UNAVAILABLE.has(code) || SOCKET_UNAVAILABLE.has(code))) return true;
    if (code && POSTGRES_UNAVAILABLE.test(code)) return true;
    if (typeof candidate.errorCode === 'string' && PRISMA_UNAVAILABLE.has(candidate.errorCode))
      return true;
    if (typeof candidate.kind === 'string' && ADAPTER_UNAVAILABLE.has(candidate.kind)) return true;
    if (
      typeof candidate.originalCode === 'string' &&
      POSTGRES_UNAVAILABLE.test(candidate.originalCode)
    )
      return true;
    if (typeof candidate.message === 'string' && UNAVAILABLE_MESSAGE.test(candidate.message))
      return true;
    pending.push(candidate.cause, candidate.meta?.driverAdapterError);
  }
  return false;
}

export interface UnexpectedAnswer {
  status: 500 | 503;
  code: 'internal_error' | 'service_unavailable';
  // For the client: says nothing about the internals.
  message: string;
  // Quoted by the client; the server's log line carries the same id with the details.
  correlationId: string;
  retryAfterSeconds?: number;
}

// The one answer to an error no handler expected, whatever the transport renders it as: a generic
// message and a correlation id for the client, the details in the server's log under that id (at
// `error`, shown at the default log level; an unreachable dependency at `warn`, without a stack).
export function answerUnexpected(error: unknown, where: string): UnexpectedAnswer {
  const correlationId = randomUUID();
  if (isDependencyUnavailable(error)) {
    logger.warn(`${where} [${correlationId}]: a dependency is unavailable: ${describe(error)}`);
    return {
      status: 503,
      code: 'service_unavailable',
      message: `Steward cannot reach its database or queue right now; retry in ${RETRY_AFTER_SECONDS} s`,
      correlationId,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    };
  }
  logger.error(
    `${where} [${correlationId}]: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return {
    status: 500,
    code: 'internal_error',
    message: `internal error (correlation id ${correlationId})`,
    correlationId,
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Prisma's messages open with the invocation and a code frame; the cause is the last line.
  return error.message.trim().split('\n').at(-1) ?? error.name;
}
