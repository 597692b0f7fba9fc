import fs from 'node:fs';
import path from 'node:path';
import { isWithin } from '@steward/policy';
import { refused } from '../tool-error';

export type FolderAccess = 'read' | 'write';

export interface FolderGrant {
  /** The real path of the folder (symbolic links resolved once, when the person grants it). */
  root: string;
  access: FolderAccess;
}

export interface OpenGrant extends FolderGrant {
  fd: number;
}

export interface ResolvedPath {
  grant: OpenGrant;
  /** Relative to the grant's root, as given (the kernel, not this string, enforces the bound). */
  relative: string;
  /** Absolute display path for policy rules and events. */
  absolute: string;
}

/**
 * Parses a `--folder DIR[:ro]` argument. Only the folder's real path is kept, so a grant of a
 * symbolic link is judged by where it leads.
 */
export function parseGrant(argument: string, cwd = process.cwd()): FolderGrant {
  const readOnly = argument.endsWith(':ro');
  const raw = readOnly ? argument.slice(0, -3) : argument.replace(/:rw$/, '');
  const root = fs.realpathSync(path.resolve(cwd, raw));
  if (!fs.statSync(root).isDirectory()) throw new Error(`${raw} is not a folder`);
  return { root, access: readOnly ? 'read' : 'write' };
}

/** The deepest of `grants` holding the absolute path (whole segments), or null. */
export function deepestGrant<T extends FolderGrant>(
  grants: readonly T[],
  absolute: string,
): T | null {
  let best: T | null = null;
  for (const grant of grants) {
    if (
      isWithin(path.resolve(absolute), grant.root) &&
      (!best || grant.root.length > best.root.length)
    ) {
      best = grant;
    }
  }
  return best;
}

/** The person's granted folders, held open for the session; the first is the working folder. */
export class GrantedFolders {
  private constructor(readonly grants: OpenGrant[]) {}

  static open(grants: FolderGrant[]): GrantedFolders {
    if (grants.length === 0) throw new Error('grant at least one folder (--folder DIR)');
    return new GrantedFolders(
      grants.map((grant) => ({
        ...grant,
        fd: fs.openSync(
          grant.root,
          fs.constants.O_DIRECTORY | fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW,
        ),
      })),
    );
  }

  /**
   * Picks the grant a model-supplied path belongs to: the deepest grant holding it (a read-only
   * grant inside a read-write one wins), relative paths taken from the first folder. This only
   * chooses the root, lexically; openat2 then refuses anything that resolves outside it (`..`
   * through links, symbolic links, mounts).
   */
  resolve(input: string): ResolvedPath {
    if (input.includes('\0')) throw refused('path contains a NUL byte', 'path.invalid');
    const absolute = path.resolve(this.grants[0]!.root, input);
    const grant = deepestGrant(this.grants, absolute);
    if (!grant) throw refused(`${input} is outside the granted folders`, 'path.outside-grant');
    return this.resolved(grant, path.relative(grant.root, absolute) || '.');
  }

  private resolved(grant: OpenGrant, relative: string): ResolvedPath {
    return { grant, relative, absolute: path.join(grant.root, relative) };
  }

  close(): void {
    for (const grant of this.grants) fs.closeSync(grant.fd);
  }
}
