import type { EventBus } from './event-bus';

export interface PollIntervals {
  // While the bus is not live: its messages are being lost, the database is the only signal.
  downMs: number;
  // While it is live: a safety net for what no message announced (null: no polling).
  upMs: number | null;
}

// Runs `check` on a timer that is fast while the bus is down and slow (or off) while it is live,
// and at once when the bus goes down or comes back. Runs never overlap; a run asked for while one
// is in progress happens right after it.
export class BusPoller {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: EventBus,
    private readonly check: () => Promise<void>,
    private readonly intervals: PollIntervals,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.bus.onLiveChange(() => void this.run());
    this.schedule();
  }

  // Resolves once a run in progress has finished: a process shutting down closes its database
  // pool after its pollers, not under one.
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.running;
  }

  // Resolves when a run that started after this call has finished.
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.check();
        } catch (error) {
          this.onError(error);
        }
      } while (this.again && !this.stopped);
      this.running = null;
      this.schedule();
    })();
    return this.running;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const delay = this.bus.live() ? this.intervals.upMs : this.intervals.downMs;
    if (delay === null) return;
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }
}
