import { canonicalJson } from '../../platform/canonical-json';
import { eventsDigest, legacyCanonicalJson } from './batch-digest';

describe('batch digest', () => {
  it('keeps the first canonical format for records that name it: integer-like keys first', () => {
    const event = { '9': 'nine', '10': 'ten', b: { y: 1, x: 2 } };
    expect(legacyCanonicalJson(event)).toBe('{"9":"nine","10":"ten","b":{"x":2,"y":1}}');
    expect(canonicalJson(event)).toBe('{"10":"ten","9":"nine","b":{"x":2,"y":1}}');
    const plain = { type: 'tool.called', decision: 'allow', nested: { z: [1, { b: 2, a: 1 }] } };
    expect(legacyCanonicalJson(plain)).toBe(canonicalJson(plain));
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
