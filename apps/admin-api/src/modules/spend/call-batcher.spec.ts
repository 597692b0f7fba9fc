import { CallBatcher } from './call-batcher';

// A call that answers each input with its double a moment later (as a database would) and records
// the batches it was given.
function doubling(
  fail: (inputs: number[]) => Error | null = () => null,
  exclusiveKeys = (input: number) => (input >= 100 ? ['exclusive'] : []),
) {
  const batches: number[][] = [];
  const batcher = new CallBatcher<number, number>(
    (inputs) => {
      batches.push(inputs);
      const error = fail(inputs);
      return new Promise((resolve, reject) =>
        setTimeout(() => (error ? reject(error) : resolve(inputs.map((input) => input * 2))), 1),
      );
    },
    {
      maxBatch: 3,
      gatherMs: 20,
      exclusiveKeys,
      retryable: (error) => error instanceof Error && error.message === 'deadlock detected',
      maxAttempts: 3,
    },
  );
  return { batcher, batches };
}

describe('CallBatcher', () => {
  it('sends one turn of the event loop together, and what arrives during a call as the next call', async () => {
    const { batcher, batches } = doubling();
    const first = [1, 2, 3, 4].map((n) => batcher.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [5, 6].map((n) => batcher.submit(n));
    expect(await Promise.all([...first, ...second])).toEqual([2, 4, 6, 8, 10, 12]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  // Callers 1 and 2 share a call and each asks again (n + 10) once answered, through `again`;
  // 3 arrives while they are being answered. The batches the calls were given.
  async function answeredCallersAskAgain(
    again: (batcher: CallBatcher<number, number>, n: number) => Promise<number>,
  ): Promise<number[][]> {
    const { batcher, batches } = doubling();
    const followUps = [1, 2].map((n) => batcher.submit(n).then(() => again(batcher, n + 10)));
    await new Promise((resolve) => setImmediate(resolve));
    const third = batcher.submit(3);
    await Promise.all([...followUps, third]);
    return batches;
  }

  it('lets the callers a call answered come back and join the next call', async () => {
    // Without the wait, 3 would go alone.
    expect(await answeredCallersAskAgain((batcher, n) => batcher.submit(n))).toEqual([
      [1, 2],
      [3, 11, 12],
    ]);
  });

  it('waits for the callers a call answered even when others are waiting already', async () => {
    // They come back a moment after their answer, as an endpoint's next request does.
    const later = (batcher: CallBatcher<number, number>, n: number) =>
      new Promise((resolve) => setTimeout(resolve, 2)).then(() => batcher.submit(n));
    expect(await answeredCallersAskAgain(later)).toEqual([
      [1, 2],
      [3, 11, 12],
    ]);
  });

  it('goes without callers that do not come back', async () => {
    const { batcher, batches } = doubling();
    const answered = [1, 2].map((n) => batcher.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await batcher.submit(3)).toBe(6);
    await Promise.all(answered);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('keeps requests with the same exclusive key in separate calls', async () => {
    const { batcher, batches } = doubling();
    const answers = await Promise.all([1, 100, 101, 2].map((n) => batcher.submit(n)));
    expect(answers).toEqual([2, 200, 202, 4]);
    expect(batches).toEqual([[1, 100, 2], [101]]);
  });

  it('keeps a request out of a call that holds any one of its exclusive keys', async () => {
    // Each input's keys are its digits (as a lease request's settled lease and idempotency key).
    const { batcher, batches } = doubling(undefined, (input) => [...String(input)]);
    await Promise.all([12, 34, 25, 6].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[12, 34, 6], [25]]);
  });

  it('runs a call again on a retryable error', async () => {
    let failures = 1;
    const { batcher, batches } = doubling(() =>
      failures-- > 0 ? new Error('deadlock detected') : null,
    );
    expect(await batcher.submit(7)).toBe(14);
    expect(batches).toEqual([[7], [7]]);
  });

  it('fails only the request whose input fails when its batch fails', async () => {
    const { batcher } = doubling((inputs) =>
      inputs.includes(13) ? new Error('invalid input syntax') : null,
    );
    const answers = await Promise.allSettled([1, 2, 13, 4].map((n) => batcher.submit(n)));
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(answers[3]).toEqual({ status: 'fulfilled', value: 8 });
  });
});
