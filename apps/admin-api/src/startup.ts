import { Config, ConfigError, loadConfig } from './config/config';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\nSee the configuration table in README.md.\n`);
      process.exit(1);
    }
    throw error;
  }
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
]);

// What an operator can act on, on one screen: the cause in a sentence, not a stack trace. Programming
// errors keep their stack.
export function describeStartupFailure(error: unknown): string {
  const err = error as { code?: string; message?: string; address?: string; port?: number };
  if (err?.code === 'EADDRINUSE') {
    return `Steward cannot start: port ${err.port ?? ''} is already in use. Set PORT to a free port.`;
  }
  if (err?.code && (CONNECTION_ERRORS.has(err.code) || /^(28|3D|08)/.test(err.code))) {
    return `Steward cannot start: the database or Redis is unreachable (${err.code}: ${err.message}).\nCheck DATABASE_URL and REDIS_URL, or unset them to run on the embedded defaults.`;
  }
  if (error instanceof Error && error.name === 'StartupError')
    return `Steward cannot start: ${error.message}`;
  return `Steward cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

export function reportStartupFailure(error: unknown): never {
  process.stderr.write(`${describeStartupFailure(error)}\n`);
  process.exit(1);
}
