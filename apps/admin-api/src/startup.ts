import { Logger } from '@nestjs/common';
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

// Errors written for operators: their message says what is wrong and what to do.
const OPERATOR_ERRORS = new Set([
  'StartupError',
  'DatabaseUnreachableError',
  'RedisUnreachableError',
  'EmbeddedDatabaseLockedError',
]);

// What an operator can act on, on one screen: the cause in a sentence, not a stack trace.
// Programming errors keep their stack.
export function describeStartupFailure(error: unknown): string {
  const err = error as { code?: string; port?: number };
  if (err?.code === 'EADDRINUSE') {
    return `Steward cannot start: port ${err.port ?? ''} is already in use. Set PORT to a free port.`;
  }
  if (error instanceof Error && OPERATOR_ERRORS.has(error.name)) {
    return `Steward cannot start: ${error.message}`;
  }
  return `Steward cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export function reportStartupFailure(error: unknown): never {
  process.stderr.write(`${describeStartupFailure(error)}\n`);
  process.exit(1);
}

// A rejected promise nobody awaited (background work that met a database restart, say) is a bug to
// log at `error`, not a reason to drop every request the process holds: Node's default exits.
export function logUnhandledRejections(): void {
  const logger = new Logger('Process');
  process.on('unhandledRejection', (reason) => {
    logger.error(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
}
