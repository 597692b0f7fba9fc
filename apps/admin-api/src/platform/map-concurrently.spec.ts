import { mapConcurrently } from './map-concurrently';

describe('mapConcurrently', () => {
  it('runs every item, at most `limit` at a time, and answers in the items’ order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapConcurrently([5, 1, 4, 2, 3, 0], 2, async (item) => {
      started.push(item);
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, item));
      running--;
      return item * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(started).toEqual([5, 1, 4, 2, 3, 0]);
    expect(most).toBe(2);
  });

  it('keeps going past a slow item: the others finish while it still runs', async () => {
    const finished: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const all = mapConcurrently(['slow', 'a', 'b', 'c'], 2, async (item) => {
      if (item === 'slow') await slow;
      finished.push(item);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(finished).toEqual(['a', 'b', 'c']);
    release();
    await all;
    expect(finished).toEqual(['a', 'b', 'c', 'slow']);
  });

  it('answers an empty list at once', async () => {
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
  });
});
