import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

// The audit chain's writer before RFC 8785 (hand-written, kept here only to show that every record
// it hashed gets the same bytes now, so existing chains verify unchanged).
function previousAuditJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(previousAuditJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(object).sort()) {
    const item = object[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${previousAuditJson(item)}`;
  }
  return `${out}}`;
}

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

describe('canonical JSON (RFC 8785)', () => {
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
    '10': 'integer-like keys sort as text: "10" before "9"',
    '9': 'nine',
    folders: [
      { path: '/b', access: 'write', nested: { y: null, x: [3, 2, 1] } },
      { access: 'read', path: '/a' },
    ],
    skipped: undefined,
  };

  it('sorts keys by UTF-16 code unit at every depth, whatever order they came in', () => {
    const text = canonicalJson(awkward);
    expect(text.startsWith('{"10":"integer-like keys')).toBe(true);
    expect(text).not.toContain('skipped');
    expect(canonicalJson(throughJsonb(JSON.stringify(awkward)))).toBe(text);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('writes what the audit chain hashed before it, for every JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(previousAuditJson(value));
        expect(canonicalJson(throughJsonb(JSON.stringify(value)))).toBe(previousAuditJson(value));
      }),
      { numRuns: 2000 },
    );
    expect(canonicalJson(awkward)).toBe(previousAuditJson(awkward));
  });
});
