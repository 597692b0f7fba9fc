import fs from 'node:fs';
import koffi from 'koffi';

// The kernel, not string checks, keeps file tools inside a granted folder: openat2(2) resolves a
// path relative to the folder's open descriptor and fails on `..` above it, on any symbolic link
// (also one swapped in mid-call), on /proc magic links and on mount crossings. Node has no binding
// for it, so it is called through koffi (libc's variadic syscall); Linux 5.6 or later.
const SYS_OPENAT2 = 437; // same number on x86_64 and arm64
const RESOLVE_NO_XDEV = 0x01n;
const RESOLVE_NO_MAGICLINKS = 0x02n;
const RESOLVE_NO_SYMLINKS = 0x04n;
const RESOLVE_BENEATH = 0x08n;
const RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
export const O_PATH = 0o10000000;
const O_CLOEXEC = 0o2000000; // not in Node's fs.constants
const RENAME_NOREPLACE = 1;

export const ERRNO = {
  ENOENT: 2,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  ELOOP: 40,
  ENXIO: 6,
} as const;

export class SyscallError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly target: string,
  ) {
    super(`${call}(${target}) failed: errno ${errno}`);
  }
}

type NativeCall = (...args: unknown[]) => number | bigint;
interface Libc {
  syscall: NativeCall;
  mkdirat: NativeCall;
  renameat2: NativeCall;
}

let libc: Libc | undefined;
function load(): Libc {
  if (process.platform !== 'linux') {
    throw new Error('file tools need Linux openat2; this platform is not supported yet');
  }
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      syscall: lib.func('long syscall(long, ...)') as NativeCall,
      mkdirat: lib.func('int mkdirat(int, const char *, uint32_t)') as NativeCall,
      renameat2: lib.func(
        'int renameat2(int, const char *, int, const char *, uint32_t)',
      ) as NativeCall,
    };
  }
  return libc;
}

/** Opens `relative` beneath the directory `rootFd`; throws SyscallError with the errno. */
export function openBeneath(rootFd: number, relative: string, flags: number, mode = 0): number {
  const how = Buffer.alloc(24);
  how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(mode), 8);
  how.writeBigUInt64LE(RESOLVE, 16);
  const fd = Number(
    load().syscall(SYS_OPENAT2, 'int', rootFd, 'str', relative, 'void *', how, 'size_t', 24),
  );
  if (fd < 0) throw new SyscallError('openat2', koffi.errno(), relative);
  return fd;
}

/** Creates the directory `name` (one component, no slash) inside the open directory `dirFd`. */
export function mkdirIn(dirFd: number, name: string, mode = 0o755): void {
  if (load().mkdirat(dirFd, name, mode) !== 0) {
    throw new SyscallError('mkdirat', koffi.errno(), name);
  }
}

/** Renames one entry between two open directories; never replaces an existing target. */
export function renameBetween(fromDir: number, fromName: string, toDir: number, toName: string) {
  if (load().renameat2(fromDir, fromName, toDir, toName, RENAME_NOREPLACE) !== 0) {
    throw new SyscallError('renameat2', koffi.errno(), `${fromName} -> ${toName}`);
  }
}

/** Whether this kernel and platform support the guard (checked by `status`). */
export function openat2Available(): boolean {
  try {
    const root = fs.openSync('/', fs.constants.O_DIRECTORY | fs.constants.O_RDONLY);
    try {
      fs.closeSync(openBeneath(root, '.', O_PATH));
      return true;
    } finally {
      fs.closeSync(root);
    }
  } catch {
    return false;
  }
}
