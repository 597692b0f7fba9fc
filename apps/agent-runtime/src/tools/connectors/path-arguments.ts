import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Argument names that carry file paths in filesystem-like servers (path, paths, source,
// destination, filePath, directory, …). Any value given as a file: URI is a path too.
const PATH_NAME =
  /(path|paths|file|files|filename|dir|dirs|directory|directories|folder|folders|source|destination|src|dest|target|root|roots|cwd)$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The path-like values among a connector call's arguments, however deeply nested. */
export function pathArguments(args: unknown, named = false): string[] {
  if (typeof args === 'string') {
    if (args.startsWith('file:')) return [args];
    return named && !SCHEME.test(args) ? [args] : [];
  }
  if (Array.isArray(args)) return args.flatMap((value) => pathArguments(value, named));
  if (args && typeof args === 'object') {
    return Object.entries(args).flatMap(([key, value]) =>
      pathArguments(value, PATH_NAME.test(key)),
    );
  }
  return [];
}

/**
 * Where a path argument points, as the server would take it: `~` is the account's home (the
 * server is started with HOME set to it), relative paths start in `cwd` (where the server is
 * started: the first granted folder).
 */
export function resolvePathArgument(value: string, cwd: string, home: string): string {
  if (value.startsWith('file:')) return fileURLToPath(value);
  if (value === '~' || value.startsWith('~/')) return path.join(home, value.slice(1));
  return path.resolve(cwd, value);
}
