import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The runtime's per-user state directory: enrolment, trust chain, last good bundle, event spool.
// In the account's home (from the user database, not $HOME), unless the platform's own variable
// for state says otherwise.
export function defaultStateDir(env = process.env, platform = process.platform): string {
  const home = os.userInfo().homedir;
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Steward');
  if (platform === 'win32') {
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Steward');
  }
  return path.join(env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), 'steward');
}

/** Writes via a temporary file, fsync and rename, so a crash leaves the old or the new file. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  // The rename itself is durable only once the directory entry is flushed.
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

export interface Enrolment {
  server: string;
  organizationId: string;
  userId: string;
  endpointId: string;
  credential: string;
  deviceName: string;
  os: 'linux' | 'macos' | 'windows';
  // The signed trust set received at enrolment, as received: the anchor every later set is
  // verified from (docs/endpoint-protocol.md, trust chain).
  trustAnchor: string;
  // The governed person's local account (login name), when the runtime runs as a system service
  // for them; absent: the account the runtime runs as (account-home.ts).
  account?: string;
}

export interface BundleRecord {
  /** The version of the newest bundle ever accepted: anything older is a rollback. */
  version: number;
  etag: string | null;
  acceptedAt: string;
}

export interface PullRecord {
  at: string;
  verified: boolean;
  reason?: string;
  detail?: string;
}

export class StateStore {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private readJson<T>(name: string): T | null {
    try {
      return JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`${this.file(name)} is unreadable: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private readBytes(name: string): Buffer | null {
    try {
      return fs.readFileSync(this.file(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  enrolment(): Enrolment | null {
    return this.readJson<Enrolment>('enrolment.json');
  }

  saveEnrolment(enrolment: Enrolment): void {
    writeFileAtomic(this.file('enrolment.json'), JSON.stringify(enrolment, null, 2));
  }

  /** The signed trust sets accepted after the anchor, in order (each verified from the last). */
  trustChain(): Buffer[] {
    const links = this.readJson<unknown>('trust-chain.json') ?? [];
    if (!Array.isArray(links) || !links.every((link) => typeof link === 'string')) {
      throw new Error(`${this.file('trust-chain.json')} is not a list of signed trust sets`);
    }
    return links.map((link: string) => Buffer.from(link, 'utf8'));
  }

  saveTrustChain(links: readonly Uint8Array[]): void {
    const text = links.map((link) => Buffer.from(link).toString('utf8'));
    writeFileAtomic(this.file('trust-chain.json'), JSON.stringify(text));
  }

  bundleBytes(): Buffer | null {
    return this.readBytes('bundle.json');
  }

  bundleRecord(): BundleRecord | null {
    return this.readJson<BundleRecord>('bundle-record.json');
  }

  // The record goes first: a crash between the two leaves a higher held version, which can only
  // make the runtime stricter.
  saveBundle(bytes: Uint8Array, record: BundleRecord): void {
    writeFileAtomic(this.file('bundle-record.json'), JSON.stringify(record, null, 2));
    writeFileAtomic(this.file('bundle.json'), bytes);
  }

  lastPull(): PullRecord | null {
    return this.readJson<PullRecord>('last-pull.json');
  }

  saveLastPull(record: PullRecord): void {
    writeFileAtomic(this.file('last-pull.json'), JSON.stringify(record, null, 2));
  }

  spoolDir(): string {
    return this.file('spool');
  }
}
