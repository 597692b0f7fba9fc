import { ConsoleLogger, LogLevel } from '@nestjs/common';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

// Nest logs a failing start-up with its stack before handing the error back; main.ts explains it
// instead, so that one line is dropped.
export class StewardLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rest.at(-1) === 'ExceptionHandler') return;
    super.error(message, ...(rest as [string?, string?]));
  }
}

// Levels at and above `level`, most severe first.
export function logLevelsFrom(level: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
}
