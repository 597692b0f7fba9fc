import path from 'node:path';
import { z } from 'zod';

// A true/false switch, off unless set to true.
function switchOff(description: string) {
  return z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true')
    .describe(description);
}

// The one reader of process.env. Each variable has a one-line description, which the README's
// configuration table mirrors; a bad or missing value stops the start with the full list.
const variables = {
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(3000)
    .describe('HTTP port of the API and the console.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the HTTP server listens on.'),
  PUBLIC_URL: z
    .url({ error: 'must be an absolute URL such as https://steward.example.com' })
    .optional()
    .describe(
      'Base URL people and endpoints use to reach Steward (default http://localhost:PORT).',
    ),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .describe(
      'Postgres connection string. Unset: an embedded Postgres (PGlite) in STEWARD_DATA_DIR.',
    ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
    .optional()
    .describe('Redis connection string. Unset: jobs and fan-out run in-process (single node).'),
  STEWARD_DATA_DIR: z
    .string()
    .min(1)
    .default('./.steward')
    .describe('Folder for the embedded database and local state.'),
  STEWARD_PROCESS_ROLE: z
    .enum(['all', 'api', 'worker'], { error: 'must be one of all, api, worker' })
    .default('all')
    .describe('all: HTTP and jobs in one process; api: HTTP only; worker: jobs only.'),
  STEWARD_SECRET_KEY: z
    .string()
    .regex(
      /^[A-Za-z0-9+/=_-]{32,}$/,
      'must be at least 32 base64 characters (openssl rand -base64 32)',
    )
    .optional()
    .describe(
      'Key that encrypts signing keys at rest. Unset: generated once into STEWARD_DATA_DIR.',
    ),
  BUNDLE_EXPIRY_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(24 * 90, 'must be at most 2160 (90 days)')
    .default(168)
    .describe(
      'How long a signed policy bundle stays valid on an endpoint that cannot reach Steward.',
    ),
  SIGNING_KEY_GRACE_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .default(168)
    .describe(
      'How long a rotated-out bundle-signing key stays trusted (retiring) after a rotation.',
    ),
  SCIM_WRITE_DEADLINE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(600, 'must be at most 600')
    .default(45)
    .describe(
      'Longest a SCIM write may take; past it nothing is written and the IdP gets 503 to retry (Entra ID gives up at 60 s).',
    ),
  STEWARD_INGEST_THREADS: z.coerce
    .number({ error: 'must be a number of threads' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(64, 'must be at most 64')
    .optional()
    .describe(
      'Worker threads that parse and validate event uploads (0: on the event loop). Default: one fewer than the CPUs, at least 1.',
    ),
  STEWARD_QUEUE_PREFIX: z
    .string()
    .min(1)
    .default('steward')
    .describe('Prefix of BullMQ queues and Redis keys (lets several deployments share one Redis).'),
  STEWARD_ALLOW_STDIO_IMPORT: switchOff(
    'true: importing a stdio connector’s tools runs its command on the API host. Off: upload the tools/list JSON.',
  ),
  STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: switchOff(
    'true: importing an HTTP connector’s tools, or an IdP’s SAML metadata from its URL, may connect to loopback, link-local and private addresses. Off: public addresses only.',
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ error: 'must be an absolute URL such as http://collector:4318' })
    .optional()
    .describe('OTLP/HTTP collector for the API’s own traces. Unset: tracing off.'),
  OTEL_SERVICE_NAME: z.string().min(1).default('steward-api').describe('Service name on traces.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], {
      error: 'must be one of fatal, error, warn, log, debug, verbose',
    })
    .default('warn')
    .describe('Minimum level of log lines (log shows each request route at start).'),
} as const;

const schema = z.object(variables);
type Parsed = z.infer<typeof schema>;

export interface Config extends Omit<Parsed, 'PUBLIC_URL' | 'STEWARD_DATA_DIR'> {
  PUBLIC_URL: string;
  STEWARD_DATA_DIR: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Steward cannot start: the configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset" (docker-compose and CI often pass FOO= through).
  const present = Object.fromEntries(
    Object.keys(variables).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const value = present[name];
        return `${name}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${issue.message}`;
      }),
    );
  }
  const parsed = result.data;
  return {
    ...parsed,
    STEWARD_DATA_DIR: path.resolve(parsed.STEWARD_DATA_DIR),
    PUBLIC_URL: (parsed.PUBLIC_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/$/, ''),
  };
}

export function describeVariables(): { name: string; default?: string; description: string }[] {
  return Object.entries(variables).map(([name, type]) => {
    const parsed = (type as z.ZodType).safeParse(undefined);
    return {
      name,
      default: parsed.success && parsed.data !== undefined ? String(parsed.data) : undefined,
      description: (type as z.ZodType).description ?? '',
    };
  });
}

export const CONFIG = Symbol('Config');
