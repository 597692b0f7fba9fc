// `work` for each item, at most `limit` at a time, started in the items' order; the results in
// that order. For the sweeps that go organization by organization: one organization whose
// collector or webhook never answers holds up only its own share, not every one after it.
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const at = next++;
        results[at] = await work(items[at]!);
      }
    }),
  );
  return results;
}
