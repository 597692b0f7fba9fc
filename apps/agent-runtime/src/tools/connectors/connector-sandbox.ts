import fs from 'node:fs';
import path from 'node:path';
import { isWithin } from '@steward/policy';
import type { SessionFolders } from '../../session/session-folders';

function depth(location: string): number {
  return location.split(path.sep).length;
}

// Folders between a read-write grant's root and a protected place in it. Each becomes a mount
// point of its own (bound onto itself, still writable), so renaming it fails (EBUSY) and cannot
// carry the protected place to a path no rule names.
function ancestorsToPin(folders: SessionFolders): string[] {
  const pinned = new Set<string>();
  for (const { location } of folders.protectedLocations) {
    const grant = folders.grantOf(location);
    if (!grant || grant.access !== 'write') continue;
    for (let dir = path.dirname(location); dir !== grant.root; dir = path.dirname(dir)) {
      if (!isWithin(dir, grant.root)) break;
      pinned.add(dir);
    }
  }
  return [...pinned].filter((dir) => fs.existsSync(dir)).sort((a, b) => depth(a) - depth(b));
}

// The system's secrets in /etc (password hashes, sudo rules, host and TLS private keys): a connector
// server sees the file system as the person does, which for a runtime running as root includes
// these. Emptied like a forbidden place; missing entries are skipped.
const ETC_SECRETS = [
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssl/private',
  '/etc/security/opasswd',
];

function etcSecrets(): string[] {
  let sshKeys: string[] = [];
  try {
    sshKeys = fs
      .readdirSync('/etc/ssh')
      .filter((name) => name.startsWith('ssh_host_'))
      .map((name) => path.join('/etc/ssh', name));
  } catch {
    // no /etc/ssh: nothing to hide there
  }
  return [...ETC_SECRETS, ...sshKeys].flatMap((location) => mask(location, false));
}

// The bwrap arguments that make `location` read-only (`readable`) or empty. A symbolic link (or a
// missing place) is left alone: bwrap would mount over its target; where it leads is checked per
// call, on the resolved path.
function mask(location: string, readable: boolean): string[] {
  const stats = fs.lstatSync(location, { throwIfNoEntry: false });
  if (!stats || stats.isSymbolicLink()) return [];
  if (readable) return ['--ro-bind', location, location];
  return stats.isDirectory() ? ['--tmpfs', location] : ['--ro-bind', '/dev/null', location];
}

function masks(folders: SessionFolders): string[] {
  return [...folders.protectedLocations]
    .sort((a, b) => depth(a.location) - depth(b.location))
    .flatMap(({ location, readable }) => mask(location, readable));
}

/**
 * The command line that starts a stdio connector server in its own mount and process namespaces
 * (bubblewrap): the file system as the person sees it, except that the session's forbidden places,
 * the runtime's state folder (the endpoint credential) and the system's secrets in /etc are empty,
 * read-only places are
 * read-only, their ancestors cannot be renamed, and no other process (the runtime's memory, in
 * /proc) is visible. Its network is left alone: connectors reach their services.
 */
export function sandboxedConnector(
  command: string,
  args: readonly string[],
  folders: SessionFolders,
): { command: string; args: string[] } {
  return {
    command: 'bwrap',
    args: [
      '--dev-bind',
      '/',
      '/',
      '--unshare-user',
      '--unshare-pid',
      '--proc',
      '/proc',
      '--die-with-parent',
      '--new-session',
      ...ancestorsToPin(folders).flatMap((dir) => ['--bind', dir, dir]),
      ...masks(folders),
      ...etcSecrets(),
      '--',
      command,
      ...args,
    ],
  };
}
