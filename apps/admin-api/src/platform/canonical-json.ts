import canonicalize from 'canonicalize';

// The one canonical JSON of the API (RFC 8785, JCS): object keys sorted by UTF-16 code unit at
// every depth, numbers and strings as ECMAScript writes them, `undefined` members left out. Audit
// record hashes, ingest batch digests and connector catalogue fingerprints are all taken over it.
//
// A value whose keys are already in that order at every depth (events parsed by their schema are:
// libs/telemetry lists them sorted) is written by the native JSON.stringify, which then gives the
// same bytes at a fraction of the cost; ingest runs this for every event.
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && inCanonicalOrder(value)) {
    return JSON.stringify(value);
  }
  return canonicalize(value) ?? 'null';
}

// Whether every object's keys, at every depth, are enumerated in sorted order already (plain JSON
// data: no inherited enumerable keys, no toJSON). JSON.stringify writes keys in that enumeration
// order, integer-like keys first, so an object where that order is not the sorted one fails here.
function inCanonicalOrder(value: object): boolean {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (item === undefined) return false;
      if (item !== null && typeof item === 'object' && !inCanonicalOrder(item)) return false;
    }
    return true;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  let previous = '';
  for (const key in value) {
    if (key < previous) return false;
    previous = key;
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === 'object' && !inCanonicalOrder(item)) return false;
  }
  return true;
}
