import fs from 'node:fs';
import path from 'node:path';
import { refused, ToolError } from '../tool-error';
import type { FolderAccess, FolderGrant, GrantedFolders, ResolvedPath } from './granted-folders';
import { ERRNO, O_PATH, SyscallError, mkdirIn, openBeneath, renameBetween } from './openat2';

const MAX_READ_BYTES = 10 * 1024 * 1024;
const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
const MAX_SEARCH_RESULTS = 200;
const MAX_LIST_ENTRIES = 2000;
// Non-blocking so a FIFO planted in the folder can't hang the agent; fstat then rejects it.
const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/**
 * Decides a path against the bundle's folder rules (deny lists inside a grant, for example): the
 * grant it was resolved in, the path relative to the grant's root as given, and its absolute form.
 */
export type PathDecider = (
  target: { grant: FolderGrant; relative: string; absolute: string },
  access: FolderAccess,
) => { decision: 'allow' | 'deny'; rule: string };

/** A place below `absolute` the rules protect (forbidden or read-only), or null. */
export type ProtectedWithin = (absolute: string) => { location: string; rule: string } | null;

export interface FileResult {
  path: string;
  bytes: number;
}

function explain(error: unknown, target: string): never {
  if (!(error instanceof SyscallError)) throw error;
  switch (error.errno) {
    case ERRNO.EXDEV:
      throw refused(`${target} resolves outside the granted folder`, 'path.outside-grant');
    case ERRNO.ELOOP:
      throw refused(
        `${target} goes through a symbolic link, which is not followed`,
        'path.symlink',
      );
    case ERRNO.ENXIO:
      throw refused(`${target} is not a regular file`, 'path.not-regular');
    case ERRNO.ENOENT:
      throw new ToolError(`${target} does not exist`, 'error');
    case ERRNO.ENOTDIR:
      throw new ToolError(`a part of ${target} is not a folder`, 'error');
    case ERRNO.EISDIR:
      throw new ToolError(`${target} is a folder`, 'error');
    case ERRNO.EEXIST:
      throw new ToolError(`${target} already exists`, 'error');
    default:
      throw new ToolError(`${target}: ${error.message}`, 'error');
  }
}

/**
 * read_file, write_file, list_dir, move and search, confined by openat2 beneath each granted
 * folder's descriptor. A file is only read or written when fstat on the opened descriptor shows a
 * regular file with one link: a hard link planted in the folder could otherwise expose or change a
 * file elsewhere. Creation and truncation happen only after those checks.
 */
export class FileTools {
  constructor(
    private readonly folders: GrantedFolders,
    private readonly decidePath: PathDecider,
    private readonly protectedWithin: ProtectedWithin = () => null,
  ) {}

  private locate(input: string, access: FolderAccess): ResolvedPath {
    const resolved = this.folders.resolve(input);
    if (access === 'write' && resolved.grant.access === 'read') {
      throw refused(`${resolved.grant.root} is granted read-only`, 'grant.read-only');
    }
    const { decision, rule } = this.decidePath(resolved, access);
    if (decision === 'deny') throw refused(`${access} of ${resolved.absolute} is denied`, rule);
    return resolved;
  }

  private open(target: ResolvedPath, flags: number, mode = 0): number {
    try {
      return openBeneath(target.grant.fd, target.relative, flags, mode);
    } catch (error) {
      explain(error, target.absolute);
    }
  }

  private assertSingleRegularFile(fd: number, target: ResolvedPath): fs.Stats {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile())
      throw refused(`${target.absolute} is not a regular file`, 'path.not-regular');
    if (stats.nlink !== 1) {
      throw refused(`${target.absolute} has other hard links; not touched`, 'path.hard-link');
    }
    return stats;
  }

  readFile(input: string): FileResult & { content: string } {
    const target = this.locate(input, 'read');
    const fd = this.open(target, READ_FLAGS);
    try {
      const stats = this.assertSingleRegularFile(fd, target);
      if (stats.size > MAX_READ_BYTES) {
        throw new ToolError(`${target.absolute} is larger than ${MAX_READ_BYTES} bytes`, 'error');
      }
      const content = fs.readFileSync(fd);
      return { path: target.absolute, bytes: content.length, content: content.toString('utf8') };
    } finally {
      fs.closeSync(fd);
    }
  }

  writeFile(input: string, content: string): FileResult & { created: boolean } {
    const target = this.locate(input, 'write');
    this.ensureParent(target);
    let created = true;
    let fd: number;
    try {
      fd = openBeneath(
        target.grant.fd,
        target.relative,
        WRITE_FLAGS | fs.constants.O_CREAT | fs.constants.O_EXCL,
        0o644,
      );
    } catch (error) {
      if (!(error instanceof SyscallError && error.errno === ERRNO.EEXIST)) {
        explain(error, target.absolute);
      }
      created = false;
      fd = this.open(target, WRITE_FLAGS);
    }
    try {
      this.assertSingleRegularFile(fd, target);
      const bytes = Buffer.from(content, 'utf8');
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, bytes, 0, bytes.length, 0);
      return { path: target.absolute, bytes: bytes.length, created };
    } finally {
      fs.closeSync(fd);
    }
  }

  // Parents are created one component at a time inside an already-opened directory, so mkdirat
  // never follows a link.
  private ensureParent(target: ResolvedPath): void {
    const parts = path.normalize(target.relative).split('/').slice(0, -1);
    let current = '.';
    for (const part of parts) {
      const next = current === '.' ? part : `${current}/${part}`;
      try {
        fs.closeSync(openBeneath(target.grant.fd, next, O_PATH | fs.constants.O_DIRECTORY));
      } catch (error) {
        if (!(error instanceof SyscallError && error.errno === ERRNO.ENOENT)) {
          explain(error, path.join(target.grant.root, next));
        }
        const parent = this.open(
          { ...target, relative: current },
          O_PATH | fs.constants.O_DIRECTORY,
        );
        try {
          mkdirIn(parent, part);
        } catch (mkdirError) {
          explain(mkdirError, path.join(target.grant.root, next));
        } finally {
          fs.closeSync(parent);
        }
      }
      current = next;
    }
  }

  listDir(input = '.'): { path: string; entries: { name: string; type: string }[] } {
    const target = this.locate(input, 'read');
    const fd = this.open(target, READ_FLAGS | fs.constants.O_DIRECTORY);
    try {
      return { path: target.absolute, entries: this.entries(fd) };
    } finally {
      fs.closeSync(fd);
    }
  }

  // Lists the directory the descriptor holds (via its /proc link), not whatever now sits at its
  // path name.
  private entries(fd: number): { name: string; type: string }[] {
    return fs
      .readdirSync(`/proc/self/fd/${fd}`, { withFileTypes: true })
      .slice(0, MAX_LIST_ENTRIES)
      .map((entry) => ({
        name: entry.name,
        type: entry.isDirectory()
          ? 'dir'
          : entry.isFile()
            ? 'file'
            : entry.isSymbolicLink()
              ? 'symlink'
              : 'other',
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  // Refused when the source or the destination holds a place the rules protect: moving a folder
  // would carry what is forbidden or read-only in it to a path no rule names, and moving into one
  // would put the moved content under its rule.
  move(fromInput: string, toInput: string): { from: string; to: string } {
    const from = this.locate(fromInput, 'write');
    const to = this.locate(toInput, 'write');
    for (const end of [from, to]) {
      const carried = this.protectedWithin(end.absolute);
      if (carried) {
        throw refused(
          `${end.absolute} holds ${carried.location}, which may not move`,
          carried.rule,
        );
      }
    }
    const fromName = path.basename(path.normalize(from.relative));
    const toName = path.basename(path.normalize(to.relative));
    for (const name of [fromName, toName]) {
      if (name === '.' || name === '..' || name === '') {
        throw refused(`cannot move ${name || 'the folder itself'}`, 'path.invalid');
      }
    }
    const source = this.open(from, O_PATH);
    try {
      const stats = fs.fstatSync(source);
      if (!stats.isDirectory()) this.assertSingleRegularFile(source, from);
    } finally {
      fs.closeSync(source);
    }
    this.ensureParent(to);
    const fromDir = this.open(
      { ...from, relative: path.dirname(from.relative) },
      O_PATH | fs.constants.O_DIRECTORY,
    );
    try {
      const toDir = this.open(
        { ...to, relative: path.dirname(to.relative) },
        O_PATH | fs.constants.O_DIRECTORY,
      );
      try {
        renameBetween(fromDir, fromName, toDir, toName);
      } catch (error) {
        explain(error, to.absolute);
      } finally {
        fs.closeSync(toDir);
      }
    } finally {
      fs.closeSync(fromDir);
    }
    return { from: from.absolute, to: to.absolute };
  }

  /** Lines containing `query` in regular files under `input`, walked without following links. */
  search(
    query: string,
    input = '.',
  ): { path: string; matches: { file: string; line: number; text: string }[]; skipped: number } {
    if (query === '') throw new ToolError('search needs a non-empty query', 'error');
    const root = this.locate(input, 'read');
    const matches: { file: string; line: number; text: string }[] = [];
    let skipped = 0;
    const pending = [root.relative];
    while (pending.length > 0 && matches.length < MAX_SEARCH_RESULTS) {
      const relative = pending.shift()!;
      const dir = this.open({ ...root, relative }, READ_FLAGS | fs.constants.O_DIRECTORY);
      let entries: { name: string; type: string }[];
      try {
        entries = this.entries(dir);
      } finally {
        fs.closeSync(dir);
      }
      for (const entry of entries) {
        const child = relative === '.' ? entry.name : `${relative}/${entry.name}`;
        if (entry.type === 'dir') pending.push(child);
        if (entry.type !== 'file') continue;
        const file = { ...root, relative: child, absolute: path.join(root.grant.root, child) };
        if (this.decidePath(file, 'read').decision === 'deny') {
          skipped += 1;
          continue;
        }
        const text = this.readForSearch(file);
        if (text === undefined) {
          skipped += 1;
          continue;
        }
        text.split('\n').forEach((line, index) => {
          if (line.includes(query) && matches.length < MAX_SEARCH_RESULTS) {
            matches.push({ file: file.absolute, line: index + 1, text: line.slice(0, 500) });
          }
        });
      }
    }
    return { path: root.absolute, matches, skipped };
  }

  private readForSearch(file: ResolvedPath): string | undefined {
    let fd: number;
    try {
      fd = openBeneath(file.grant.fd, file.relative, READ_FLAGS);
    } catch {
      return undefined;
    }
    try {
      const stats = fs.fstatSync(fd);
      if (!stats.isFile() || stats.nlink !== 1 || stats.size > MAX_SEARCH_FILE_BYTES) {
        return undefined;
      }
      return fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  }
}
