import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/**
 * The home folder of the account the runtime runs as, from the user database (getpwuid_r, through
 * libuv's os.userInfo), never from $HOME, which anyone starting the runtime can set: the ceiling's
 * `~` locations (the home itself, credential stores, synced folders) are placed with it. Its real
 * path, as grants are.
 */
export function accountHome(): string {
  return realHome(os.userInfo().homedir);
}

// The local account of the person an enrolment governs, from the user database.
export interface LocalAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * The governed person's local account: the one named at enrolment (`enrol --account`, needed when
 * the runtime runs as a system service for someone else), else the account the runtime runs as.
 * Looked up by name in the user database (getent, which asks NSS as getpwnam does: local files,
 * LDAP, SSSD), never from $HOME or $USER.
 */
export function governedAccount(name?: string): LocalAccount {
  const self = os.userInfo();
  if (!name || name === self.username) {
    return { name: self.username, uid: self.uid, gid: self.gid, home: realHome(self.homedir) };
  }
  if (process.platform === 'win32') {
    throw new Error(`the account ${name} cannot be looked up on Windows: run as that account`);
  }
  const entry = lookUp(name);
  if (!entry) throw new Error(`no local account named ${name} in the user database`);
  return { name, uid: entry.uid, gid: entry.gid, home: realHome(entry.home) };
}

function lookUp(name: string): { uid: number; gid: number; home: string } | null {
  if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(name)) return null;
  try {
    if (process.platform === 'darwin') {
      // `dscacheutil -q user -a name N` prints "key: value" lines (uid, gid, dir, …).
      const out = execFileSync('dscacheutil', ['-q', 'user', '-a', 'name', name], {
        encoding: 'utf8',
      });
      const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(out)?.[1];
      const [uid, gid, home] = [field('uid'), field('gid'), field('dir')];
      return uid && gid && home ? { uid: Number(uid), gid: Number(gid), home } : null;
    }
    // name:password:uid:gid:gecos:home:shell
    const fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
    if (fields.length < 7 || fields[0] !== name) return null;
    return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5]! };
  } catch {
    return null;
  }
}

function realHome(home: string): string {
  try {
    return fs.realpathSync(home);
  } catch {
    return home;
  }
}
