import { stableJson } from './audit-hash';
import { canonicalJson, eventsDigest } from './batch-digest';

// What jsonb gives back for a stored JSON text: the same values, its own key order and spacing.
function throughJsonb(json: string): unknown {
  const value = JSON.parse(json) as unknown;
  const reorder = (item: unknown): unknown => {
    if (item === null || typeof item !== 'object') return item;
    if (Array.isArray(item)) return item.map(reorder);
    const entries = Object.entries(item as Record<string, unknown>).reverse();
    return Object.fromEntries(entries.map(([key, inner]) => [key, reorder(inner)]));
  };
  return reorder(value);
}

describe('batch digest', () => {
  const awkward = {
    type: 'session.started',
    zeta: 1e21,
    alpha: 0.1,
    tiny: 5e-7,
    negativeZero: -0,
    big: 2 ** 60,
    text: 'C:\\Users\\ré\tsumé\n"quoted" 日本 🙂 \u2028',
    Émile: 'keys sort by UTF-16 code unit: upper case, then lower, then accented',
    'a-b': true,
    folders: [
      { path: '/b', access: 'write', nested: { y: null, x: [3, 2, 1] } },
      { access: 'read', path: '/a' },
    ],
    skipped: undefined,
  };

  it('writes the same bytes as the audit chain’s stable JSON, whatever the key order', () => {
    expect(canonicalJson(awkward)).toBe(stableJson(awkward));
    expect(canonicalJson(throughJsonb(JSON.stringify(awkward)))).toBe(canonicalJson(awkward));
    // Already in order (as events come out of their schema): written as it is, same bytes.
    expect(canonicalJson(JSON.parse(canonicalJson(awkward)))).toBe(stableJson(awkward));
    expect(Object.keys(JSON.parse(canonicalJson(awkward)) as object)).toEqual(
      Object.keys(awkward)
        .filter((key) => key !== 'skipped')
        .sort(),
    );
  });

  it('hashes events in id order and changes with any event', () => {
    const events = [
      { id: '0190a000-0000-7000-8000-000000000002', json: canonicalJson({ n: 2 }) },
      { id: '0190a000-0000-7000-8000-000000000001', json: canonicalJson({ n: 1 }) },
    ];
    const digest = eventsDigest(events);
    expect(eventsDigest([...events].reverse())).toBe(digest);
    expect(eventsDigest([events[0]!])).not.toBe(digest);
    expect(eventsDigest([events[0]!, { ...events[1]!, json: canonicalJson({ n: 3 }) }])).not.toBe(
      digest,
    );
  });
});
