import type { PGlite } from '@electric-sql/pglite';

// Why this exists: pglite-socket 0.2.x serves every connection from PGlite's one session and
// interleaves their protocol messages one by one, keeping a connection's turn only while it holds
// a transaction open (electric-sql/pglite#1046, open; the fix proposed in #977 is not released).
// An extended-protocol query (Parse, Bind, Describe, Execute, Sync) is not in a transaction between
// its messages, so the pool connections of the embedded default clobbered each other's unnamed
// statement: "bind message supplies 3 parameters, but prepared statement "" requires 2", or a
// statement run with another query's parameters. And one failed message stopped its queue for good.
// This queue gives a connection the session from its first message until its exchange ends (Sync,
// a simple Query) and for as long as it then holds a transaction open; nothing else changes.
interface Queued {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
  // Its connection went away while it ran: the session is released after it.
  detached?: boolean;
}

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

function endsExchange(message: Uint8Array): boolean {
  const type = message[0];
  // A start-up message has no type byte: its first byte is the high byte of its length, 0.
  return type === SYNC || type === QUERY || type === TERMINATE || type === 0;
}

// The interface PGLiteSocketHandler calls (enqueue, getQueueLength, clearQueueForHandler,
// clearTransactionIfNeeded), with the turn kept per exchange.
export class PgliteSessionQueue {
  private queue: Queued[] = [];
  private processing = false;
  private owner: number | null = null;
  private running: Queued | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: Queued['onData']): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((queued) => {
      if (queued.handlerId !== handlerId) return true;
      queued.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  // The connection is gone: its open transaction is rolled back and the session handed on.
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.running?.handlerId === handlerId) {
      this.running.detached = true;
      return;
    }
    if (this.owner !== handlerId) return;
    await this.release();
    await this.process();
  }

  private async release(): Promise<void> {
    this.owner = null;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
  }

  private next(): Queued | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((queued) => queued.handlerId === this.owner);
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let queued = this.next(); queued; queued = this.next()) await this.run(queued);
    } finally {
      this.processing = false;
    }
  }

  private async run(queued: Queued): Promise<void> {
    this.running = queued;
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(queued.message, {
          onRawData: (data) => {
            bytes += data.length;
            queued.onData(data);
          },
        }),
      );
      queued.resolve(bytes);
    } catch (error) {
      queued.reject(error as Error);
    } finally {
      this.running = null;
    }
    if (queued.detached) await this.release();
    else
      this.owner =
        endsExchange(queued.message) && !this.db.isInTransaction() ? null : queued.handlerId;
  }
}
