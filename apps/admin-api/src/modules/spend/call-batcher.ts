// Group commit for one kind of database call: while a call is running, the requests that arrive
// wait and then go together as the next call (one transaction, one commit). An idle batcher sends
// at the end of the current turn of the event loop, so the requests read from the sockets in that
// turn go together too; batching adds no latency when there is nothing to share a call with.
//
// After a call that carried several requests, the next waits (at most `gatherMs`) for the callers
// it answered as well as those already waiting: they usually come back at once (an endpoint settles
// right after its model request, and leases again for the next), and a call that goes without them
// costs the database nearly as much as a full one. Without the wait, callers split into groups
// that take turns, each call carrying one group. Postgres's commit_delay makes the same trade for
// its WAL flushes.
export interface CallBatcherOptions<Input> {
  maxBatch: number;
  gatherMs: number;
  // Two requests this returns a common key for never share a call (the second waits for the next
  // one), e.g. two leases with one idempotency key, or two settles of one lease.
  exclusiveKeys?: (input: Input) => string[];
  // Whether a failed call is worth running again as it was (deadlock, serialization failure).
  retryable: (error: unknown) => boolean;
  maxAttempts: number;
}

interface Pending<Input, Output> {
  input: Input;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

export class CallBatcher<Input, Output> {
  private readonly queue: Pending<Input, Output>[] = [];
  private running = false;
  // While the next call waits for requests: how many it waits for, and how to go at once.
  private gathering: { size: number; go: () => void } | null = null;

  constructor(
    private readonly call: (inputs: Input[]) => Promise<Output[]>,
    private readonly options: CallBatcherOptions<Input>,
  ) {}

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.gathering && this.queue.length >= this.gathering.size) this.gathering.go();
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    // How many requests the next call waits for.
    let expected = 0;
    while (expected > 1 || this.queue.length > 0) {
      if (expected > 1 && this.queue.length < expected) await this.gather(expected);
      if (this.queue.length === 0) break;
      const batch = this.take();
      try {
        const outputs = await this.attempt(batch.map((pending) => pending.input));
        batch.forEach((pending, i) => pending.resolve(outputs[i]!));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]!.reject(error);
        } else {
          // One request's bad input must not fail the others: each goes again on its own.
          await Promise.all(
            batch.map((pending) =>
              this.attempt([pending.input]).then(
                ([output]) => pending.resolve(output!),
                pending.reject,
              ),
            ),
          );
        }
      }
      // Those that arrived during the call, and those it answered.
      expected =
        batch.length > 1 ? Math.min(this.queue.length + batch.length, this.options.maxBatch) : 0;
    }
    this.running = false;
  }

  private gather(size: number): Promise<void> {
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.gathering = null;
        resolve();
      };
      const timer = setTimeout(go, this.options.gatherMs);
      this.gathering = { size, go };
    });
  }

  private take(): Pending<Input, Output>[] {
    const { exclusiveKeys, maxBatch } = this.options;
    const batch: Pending<Input, Output>[] = [];
    const taken = new Set<string>();
    let i = 0;
    while (i < this.queue.length && batch.length < maxBatch) {
      const keys = exclusiveKeys?.(this.queue[i]!.input) ?? [];
      if (keys.some((key) => taken.has(key))) {
        i++;
        continue;
      }
      for (const key of keys) taken.add(key);
      batch.push(...this.queue.splice(i, 1));
    }
    return batch;
  }

  private async attempt(inputs: Input[]): Promise<Output[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(inputs);
      } catch (error) {
        if (attempt >= this.options.maxAttempts || !this.options.retryable(error)) throw error;
      }
    }
  }
}
