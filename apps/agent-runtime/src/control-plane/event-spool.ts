import fs from 'node:fs';
import path from 'node:path';
import { MAX_BATCH_EVENTS, type AgentEvent } from '@steward/telemetry';
import { ControlPlaneError } from './control-plane-client';
import { writeFileAtomic } from './state-store';

/** Where session events go: appended durably before anything else happens. */
export interface EventSink {
  append(event: AgentEvent): void;
}

export interface SpoolStats {
  /** Events accepted by the control plane. */
  sent: number;
  /** Events the control plane refused as invalid (kept in rejected.ndjson). */
  rejected: number;
  /** Events removed because the spool outgrew its size cap (oldest first). */
  dropped: number;
  lastError: string | null;
  lastAttemptAt: string | null;
}

/** The control plane's answer: events it refused as invalid, by index in the batch. */
export interface UploadResult {
  rejected?: { index: number }[];
}

export interface Uploader {
  uploadEvents(body: string): Promise<UploadResult | void>;
}

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/**
 * A durable on-disk queue of events for the control plane: each event is appended and fsynced to
 * a segment file before the session goes on, uploaded in batches of at most 500 (each event keeps
 * its id, so a retried batch is not double-counted), and removed only after the server accepted
 * it. Nothing leaves silently: refused batches are kept aside and counted, and when the spool
 * outgrows its cap the oldest segments are dropped and counted. Events the server refuses as
 * invalid are kept in rejected.ndjson and counted.
 */
export class EventSpool implements EventSink {
  private readonly segment: string;

  constructor(
    private readonly dir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.segment = path.join(dir, `${Date.now()}-${process.pid}.ndjson`);
  }

  append(event: AgentEvent): void {
    const fd = fs.openSync(this.segment, 'a', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(event)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private segments(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith('.ndjson') && name !== 'rejected.ndjson')
      .sort()
      .map((name) => path.join(this.dir, name));
  }

  stats(): SpoolStats & { pending: number } {
    const pending = this.segments().reduce((sum, file) => sum + readLines(file).length, 0);
    return { ...this.readStats(), pending };
  }

  private readStats(): SpoolStats {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, 'stats.json'), 'utf8')) as SpoolStats;
    } catch {
      return { sent: 0, rejected: 0, dropped: 0, lastError: null, lastAttemptAt: null };
    }
  }

  private saveStats(stats: SpoolStats): void {
    writeFileAtomic(path.join(this.dir, 'stats.json'), JSON.stringify(stats, null, 2));
  }

  private enforceCap(stats: SpoolStats): void {
    const files = this.segments();
    let total = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
    for (const file of files) {
      if (total <= this.maxBytes) break;
      total -= fs.statSync(file).size;
      stats.dropped += readLines(file).length;
      fs.unlinkSync(file);
    }
  }

  private keepAside(lines: string[], stats: SpoolStats): void {
    if (lines.length === 0) return;
    fs.appendFileSync(path.join(this.dir, 'rejected.ndjson'), `${lines.join('\n')}\n`);
    stats.rejected += lines.length;
  }

  /** Uploads what is pending; stops at the first failure that a retry could fix. */
  async flush(uploader: Uploader, now = new Date()): Promise<SpoolStats & { pending: number }> {
    const stats = this.readStats();
    this.enforceCap(stats);
    stats.lastAttemptAt = now.toISOString();
    try {
      for (const file of this.segments()) {
        let lines = readLines(file);
        while (lines.length > 0) {
          const batch = lines.slice(0, MAX_BATCH_EVENTS);
          try {
            const result = await uploader.uploadEvents(`{"events":[${batch.join(',')}]}`);
            const refused = new Set((result?.rejected ?? []).map((entry) => entry.index));
            this.keepAside(
              batch.filter((_, index) => refused.has(index)),
              stats,
            );
            stats.sent += batch.length - refused.size;
          } catch (error) {
            if (!permanentlyRefused(error)) throw error;
            this.keepAside(batch, stats);
          }
          lines = lines.slice(batch.length);
          if (lines.length > 0) writeFileAtomic(file, `${lines.join('\n')}\n`);
        }
        fs.unlinkSync(file);
      }
      stats.lastError = null;
    } catch (error) {
      stats.lastError = (error as Error).message;
    }
    this.saveStats(stats);
    return this.stats();
  }
}

// A 4xx other than auth, missing endpoint, timeout or rate limit means the batch itself is bad:
// retrying the same bytes would fail forever.
function permanentlyRefused(error: unknown): boolean {
  return (
    error instanceof ControlPlaneError &&
    error.status !== null &&
    error.status >= 400 &&
    error.status < 500 &&
    ![401, 403, 404, 408, 429].includes(error.status)
  );
}

function readLines(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
