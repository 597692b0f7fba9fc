import fs from 'node:fs';
import path from 'node:path';
import { isWithin, type PathContext, type PolicyEngine } from '@steward/policy';
import type { PathDecider } from '../tools/files/file-tools';
import { deepestGrant, type FolderGrant } from '../tools/files/granted-folders';
import { ERRNO, O_PATH, SyscallError, mkdirIn, openBeneath } from '../tools/files/openat2';
import { refused, type ToolError } from '../tools/tool-error';

export interface ProtectedLocation {
  location: string;
  // Readable but not writable; otherwise hidden.
  readable: boolean;
  rule: string;
}

// What every process of a session (commands, connector servers) must not see or change, as
// absolute paths mounted over in their sandboxes.
export interface Confinement {
  hidden: string[];
  readOnly: string[];
}

export const STATE_DIR_RULE = 'runtime:state_dir';
const READ_ONLY_GRANT_RULE = 'grant:read_only';

/**
 * A session's granted folders and what is protected inside them: the places the bundle's folder
 * rules forbid or make read-only below a grant, read-only grants nested in read-write ones, and
 * the runtime's own state folder. Sandboxes mount over them; moves and connector writes that
 * would carry one away are refused.
 */
export class SessionFolders {
  readonly protectedLocations: ProtectedLocation[];

  constructor(
    readonly grants: readonly FolderGrant[],
    engine: PolicyEngine,
    context: PathContext,
    private readonly decide: PathDecider,
    stateDir: string | null,
  ) {
    const found = new Map<string, ProtectedLocation>();
    for (const grant of grants) {
      for (const ruled of engine.ruledBelow(grant.root, context)) {
        if (ruled.readable && grant.access === 'read') continue;
        found.set(ruled.location, { ...ruled, rule: ruled.rule.id });
      }
      const nestedIn = grants.find(
        (outer) => outer.access === 'write' && outer !== grant && within(grant.root, outer.root),
      );
      if (grant.access === 'read' && nestedIn) {
        found.set(grant.root, { location: grant.root, readable: true, rule: READ_ONLY_GRANT_RULE });
      }
    }
    if (stateDir) {
      found.set(stateDir, { location: stateDir, readable: false, rule: STATE_DIR_RULE });
    }
    this.protectedLocations = [...found.values()];
  }

  confinement(): Confinement {
    return {
      hidden: this.protectedLocations.filter((p) => !p.readable).map((p) => p.location),
      readOnly: this.protectedLocations.filter((p) => p.readable).map((p) => p.location),
    };
  }

  /** The grant `absolute` lies in (the deepest, so a read-only grant inside another wins). */
  grantOf(absolute: string): FolderGrant | null {
    return deepestGrant(this.grants, absolute);
  }

  /** A protected location at or below `absolute`: moving or writing it would carry that along. */
  protectedWithin(absolute: string): ProtectedLocation | null {
    return this.protectedLocations.find((p) => within(p.location, absolute)) ?? null;
  }

  /**
   * Whether a process of the session may `access` the absolute path `absolute` (a connector's path
   * argument): inside a grant also once symbolic links are resolved, allowed by the folder rules,
   * and, for writes, neither a read-only grant nor carrying a protected location along.
   */
  check(absolute: string, access: 'read' | 'write'): ToolError | null {
    const grant = this.grantOf(absolute);
    if (!grant) return refused(`${absolute} is outside the granted folders`, 'path.outside-grant');
    const real = realDeepest(absolute);
    if (this.grantOf(real) !== grant) {
      return refused(`${absolute} resolves outside its granted folder`, 'path.outside-grant');
    }
    if (access === 'write' && grant.access === 'read') {
      return refused(`${grant.root} is granted read-only`, 'grant.read-only');
    }
    const relative = path.relative(grant.root, absolute) || '.';
    const decided = this.decide({ grant, relative, absolute }, access);
    if (decided.decision === 'deny')
      return refused(`${access} of ${absolute} is denied`, decided.rule);
    const carried = access === 'write' ? this.protectedWithin(absolute) : null;
    if (carried) {
      return refused(`${absolute} holds ${carried.location}, which may not change`, carried.rule);
    }
    return null;
  }

  /**
   * Protected locations inside read-write grants that do not exist yet are created empty, so
   * sandboxes can mount over them: otherwise a command could create one (or rename a folder into
   * its place) and write where the rules forbid. Created beneath the grant with openat2, so no
   * symbolic link leads the creation elsewhere.
   */
  createMissing(): void {
    for (const { location } of this.protectedLocations) {
      const grant = this.grantOf(location);
      if (!grant || grant.access !== 'write' || fs.existsSync(location)) continue;
      const root = fs.openSync(grant.root, fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
      try {
        createBeneath(root, path.relative(grant.root, location).split(path.sep));
      } catch (error) {
        // A file or a symbolic link in the way: nothing is created there now, and file tools and
        // connectors still refuse the place by its rule.
        if (!(error instanceof SyscallError)) throw error;
      } finally {
        fs.closeSync(root);
      }
    }
  }
}

function createBeneath(root: number, parts: string[]): void {
  let current = '.';
  for (const part of parts) {
    const parent = openBeneath(root, current, O_PATH | fs.constants.O_DIRECTORY);
    try {
      mkdirIn(parent, part, 0o700);
    } catch (error) {
      if (!(error instanceof SyscallError && error.errno === ERRNO.EEXIST)) throw error;
    } finally {
      fs.closeSync(parent);
    }
    current = current === '.' ? part : `${current}/${part}`;
  }
}

function within(inner: string, outer: string): boolean {
  return isWithin(path.resolve(inner), path.resolve(outer));
}

// The real path of `absolute`, or of its deepest existing ancestor joined with the rest.
function realDeepest(absolute: string): string {
  let existing = path.resolve(absolute);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}
