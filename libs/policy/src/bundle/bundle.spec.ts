import { compilePolicy } from '../compile';
import { POLICY_FORMAT_VERSION } from '../compiled';
import type { CompiledPolicy } from '../compiled';
import {
  bundleEnvelope,
  encodePolicy,
  generateSigningKey,
  policyDigest,
  policyFormatOf,
  signBundle,
  signEnvelope,
  signTrustSet,
} from './sign';
import type { GeneratedKey } from './sign';
import type { BundleHeader, TrustSet, TrustedKey } from './format';
import { verifyTrustChain, verifyTrustSetUpdate } from './trust-set';
import { verifyBundle } from './verify';
import type { BundleExpectations } from './verify';

const ORG = '11111111-1111-4111-8111-111111111111';
const OTHER_ORG = '22222222-2222-4222-8222-222222222222';
const SUBJECT = {
  userId: '33333333-3333-4333-8333-333333333333',
  endpointId: '44444444-4444-4444-8444-444444444444',
};
const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;

function trusted(key: GeneratedKey, status: TrustedKey['status'] = 'active', notAfter?: Date) {
  return {
    keyId: key.keyId,
    publicKey: key.publicKey,
    status,
    ...(notAfter ? { notAfter: notAfter.toISOString() } : {}),
  };
}

function trustSetOf(keys: TrustedKey[], version = 1, org = ORG): TrustSet {
  return { formatVersion: 1, kind: 'trust-set', org, version, issuedAt: NOW.toISOString(), keys };
}

function policyFor(userId: string): CompiledPolicy {
  return compilePolicy({ user: { id: userId, active: true }, grants: [], connectors: [] });
}

function headerFor(
  key: GeneratedKey,
  policyBytes: Buffer,
  overrides: Partial<BundleHeader> = {},
): BundleHeader {
  return {
    formatVersion: 1,
    kind: 'policy-bundle',
    org: ORG,
    subject: SUBJECT,
    access: 'granted',
    version: 5,
    issuedAt: new Date(NOW.getTime() - 1000).toISOString(),
    expiresAt: new Date(NOW.getTime() + 7 * DAY).toISOString(),
    keyId: key.keyId,
    policyDigest: policyDigest(policyBytes),
    telemetry: {
      controlPlane: true,
      otlp: null,
      redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
    },
    spend: { leaseRequired: true, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
    ...overrides,
  };
}

function bundle(key: GeneratedKey, overrides: Partial<BundleHeader> = {}, policy?: Buffer): Buffer {
  const policyBytes = policy ?? encodePolicy(policyFor(SUBJECT.userId));
  return bundleEnvelope(
    signBundle(headerFor(key, policyBytes, overrides), policyBytes, key),
    policyBytes,
  );
}

describe('signing a policy bundle', () => {
  const key = generateSigningKey();
  const bytes = encodePolicy(policyFor(SUBJECT.userId));
  const header = headerFor(key, bytes);

  it('signs the header’s JSON as it is, with the same bytes whether the digest is given or hashed', () => {
    const signed = signBundle(header, bytes, key);
    expect(signed.payload.toString('utf8')).toBe(JSON.stringify(header));
    expect(signBundle(header, { bytes, digest: policyDigest(bytes) }, key)).toEqual(signed);
    const envelope = JSON.parse(bundleEnvelope(signed, bytes).toString('utf8'));
    expect(envelope).toEqual({
      steward: 'signed/1',
      kind: 'policy-bundle',
      keyId: key.keyId,
      payload: signed.payload.toString('base64url'),
      signature: signed.signature.toString('base64url'),
      attachment: bytes.toString('base64url'),
    });
  });

  it('refuses a header naming another key or carrying another policy’s digest', () => {
    const other = generateSigningKey();
    expect(() => signBundle(header, bytes, other)).toThrow('another signing key');
    const otherBytes = encodePolicy({ ...policyFor(SUBJECT.userId), active: false });
    expect(() => signBundle(header, otherBytes, key)).toThrow('another policy digest');
    expect(() =>
      signBundle(header, { bytes: otherBytes, digest: policyDigest(otherBytes) }, key),
    ).toThrow('another policy digest');
  });
});

describe('policy bundle verification', () => {
  const key = generateSigningKey();
  const trustSet = trustSetOf([trusted(key)]);
  const expect_: BundleExpectations = {
    trustSet,
    expectedOrg: ORG,
    expectedSubject: SUBJECT,
    heldVersion: 4,
    now: NOW,
  };

  it('accepts a bundle signed by a trusted key and gives back the policy with its user', () => {
    const result = verifyBundle(bundle(key), expect_);
    expect(result).toMatchObject({ ok: true, bundle: { version: 5, org: ORG, subject: SUBJECT } });
    if (!result.ok) throw new Error(result.detail);
    expect(result.bundle.policy).toEqual(policyFor(SUBJECT.userId));
  });

  it('accepts the version it holds (a stored bundle re-verified at start)', () => {
    expect(verifyBundle(bundle(key), { ...expect_, heldVersion: 5 }).ok).toBe(true);
  });

  it('refuses every single-byte change anywhere in the signed document', () => {
    const good = bundle(key);
    const text = good.toString('utf8');
    const regions = {
      keyId: text.indexOf(key.keyId),
      payload: text.indexOf('"payload":"') + 11,
      signature: text.indexOf('"signature":"') + 13,
      attachment: text.indexOf('"attachment":"') + 14,
    };
    const reasons = new Map<string, Set<string>>();
    for (let position = 0; position < good.length; position++) {
      const tampered = Buffer.from(good);
      tampered[position] ^= 0x01;
      const result = verifyBundle(tampered, expect_);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      const region =
        Object.entries(regions)
          .filter(([, start]) => position >= start)
          .sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'envelope';
      reasons.set(region, (reasons.get(region) ?? new Set()).add(result.reason));
    }
    expect([...reasons.get('payload')!]).toEqual(expect.arrayContaining(['bad-signature']));
    expect([...reasons.get('signature')!]).toEqual(expect.arrayContaining(['bad-signature']));
    expect([...reasons.get('keyId')!]).toEqual(expect.arrayContaining(['unknown-key']));
    expect([...reasons.get('attachment')!]).toEqual(expect.arrayContaining(['bad-signature']));
  });

  it('refuses a policy swapped for another subject’s even though both are signed', () => {
    const other = JSON.parse(
      bundle(key, {}, encodePolicy({ ...policyFor('x'), active: false })).toString(),
    );
    const mine = JSON.parse(bundle(key).toString());
    const swapped = Buffer.from(JSON.stringify({ ...mine, attachment: other.attachment }));
    expect(verifyBundle(swapped, expect_)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses an unsigned bundle', () => {
    const envelope = JSON.parse(bundle(key).toString());
    delete envelope.signature;
    expect(verifyBundle(Buffer.from(JSON.stringify(envelope)), expect_)).toMatchObject({
      ok: false,
      reason: 'unsigned',
    });
    const bare = Buffer.from(envelope.payload, 'base64url');
    expect(verifyBundle(bare, expect_)).toMatchObject({ ok: false, reason: 'unsigned' });
    expect(verifyBundle(Buffer.from('not json'), expect_)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a bundle signed by a key outside the trust set', () => {
    const stranger = generateSigningKey();
    expect(verifyBundle(bundle(stranger), expect_)).toMatchObject({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('refuses a bundle signed by a key that claims a trusted key id', () => {
    const stranger = generateSigningKey();
    const forged = bundle({ ...stranger, keyId: key.keyId });
    expect(verifyBundle(forged, expect_)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a revoked key, and a retiring key past its notAfter', () => {
    const revoked = { ...expect_, trustSet: trustSetOf([trusted(key, 'revoked')]) };
    expect(verifyBundle(bundle(key), revoked)).toMatchObject({ ok: false, reason: 'revoked-key' });
    const retiring = (notAfter: Date) => ({
      ...expect_,
      trustSet: trustSetOf([trusted(key, 'retiring', notAfter)]),
    });
    expect(verifyBundle(bundle(key), retiring(new Date(NOW.getTime() + DAY))).ok).toBe(true);
    expect(verifyBundle(bundle(key), retiring(new Date(NOW.getTime() - 1)))).toMatchObject({
      ok: false,
      reason: 'retired-key',
    });
  });

  it('refuses an expired bundle and one issued in the future', () => {
    expect(verifyBundle(bundle(key, { expiresAt: NOW.toISOString() }), expect_)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    const future = new Date(NOW.getTime() + DAY).toISOString();
    expect(verifyBundle(bundle(key, { issuedAt: future }), expect_)).toMatchObject({
      ok: false,
      reason: 'not-yet-valid',
    });
  });

  it('refuses a bundle older than the one held (rollback)', () => {
    expect(verifyBundle(bundle(key, { version: 3 }), expect_)).toMatchObject({
      ok: false,
      reason: 'rollback',
    });
  });

  it('refuses a bundle made for another organization or another subject (mix-and-match)', () => {
    expect(verifyBundle(bundle(key, { org: OTHER_ORG }), expect_)).toMatchObject({
      ok: false,
      reason: 'wrong-org',
    });
    const otherUser = { ...SUBJECT, userId: '55555555-5555-4555-8555-555555555555' };
    expect(verifyBundle(bundle(key, { subject: otherUser }), expect_)).toMatchObject({
      ok: false,
      reason: 'wrong-subject',
    });
    const otherEndpoint = { ...SUBJECT, endpointId: '66666666-6666-4666-8666-666666666666' };
    expect(verifyBundle(bundle(key, { subject: otherEndpoint }), expect_)).toMatchObject({
      ok: false,
      reason: 'wrong-subject',
    });
  });

  it('refuses a trust set presented as a bundle, and a trust-set signature moved onto a bundle', () => {
    const set = signTrustSet(trustSet, key);
    expect(verifyBundle(set, expect_)).toMatchObject({ ok: false, reason: 'wrong-kind' });
    const good = JSON.parse(bundle(key).toString());
    const crossSigned = JSON.parse(
      signEnvelope('trust-set', Buffer.from(good.payload, 'base64url'), key).toString(),
    );
    const moved = Buffer.from(JSON.stringify({ ...good, signature: crossSigned.signature }));
    expect(verifyBundle(moved, expect_)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});

describe('trust chain: anchor, then links signed by the outgoing and the incoming key', () => {
  const current = generateSigningKey();
  const next = generateSigningKey();
  const held = trustSetOf([trusted(current)], 3);
  const opts = { held, expectedOrg: ORG };
  const retiring = (key: GeneratedKey) => trusted(key, 'retiring', new Date(NOW.getTime() + DAY));

  it('accepts an anchor signed by its own active key, and nothing else as an anchor', () => {
    const anchor = { held: null, expectedOrg: ORG };
    expect(verifyTrustSetUpdate(signTrustSet(held, current), anchor)).toMatchObject({
      ok: true,
      trustSet: { version: 3 },
    });
    expect(verifyTrustSetUpdate(signTrustSet(held, next), anchor)).toMatchObject({
      ok: false,
      reason: 'unknown-key',
    });
    const retiringOnly = trustSetOf([retiring(current)], 3);
    expect(verifyTrustSetUpdate(signTrustSet(retiringOnly, current), anchor)).toMatchObject({
      ok: false,
      reason: 'retired-key',
    });
  });

  it('accepts a rotation signed by the outgoing and the incoming key, then bundles of the new key', () => {
    const rotated = trustSetOf([retiring(current), trusted(next)], 4);
    const result = verifyTrustSetUpdate(signTrustSet(rotated, [current, next]), opts);
    expect(result).toMatchObject({ ok: true, trustSet: { version: 4 } });
    if (!result.ok) throw new Error(result.detail);
    const fromNext = verifyBundle(bundle(next), {
      trustSet: result.trustSet,
      expectedOrg: ORG,
      expectedSubject: SUBJECT,
      now: NOW,
    });
    expect(fromNext.ok).toBe(true);
  });

  it('refuses a rotation signed by only one of its two keys', () => {
    const rotated = trustSetOf([retiring(current), trusted(next)], 4);
    expect(verifyTrustSetUpdate(signTrustSet(rotated, next), opts)).toMatchObject({
      ok: false,
      reason: 'unknown-key',
    });
    expect(verifyTrustSetUpdate(signTrustSet(rotated, current), opts)).toMatchObject({
      ok: false,
      reason: 'not-cosigned',
    });
  });

  it('refuses a set signed only by a retiring (retired) or a revoked key', () => {
    const third = generateSigningKey();
    const afterRotation = trustSetOf([retiring(current), trusted(next)], 4);
    const byRetired = trustSetOf([retiring(current), trusted(third)], 5);
    expect(
      verifyTrustSetUpdate(signTrustSet(byRetired, [current, third]), {
        ...opts,
        held: afterRotation,
      }),
    ).toMatchObject({ ok: false, reason: 'retired-key' });
    const afterRevocation = trustSetOf([trusted(current, 'revoked'), trusted(next)], 4);
    const byRevoked = trustSetOf([trusted(current, 'revoked'), trusted(third)], 5);
    expect(
      verifyTrustSetUpdate(signTrustSet(byRevoked, [current, third]), {
        ...opts,
        held: afterRevocation,
      }),
    ).toMatchObject({ ok: false, reason: 'revoked-key' });
  });

  it('refuses a tampered update, an old version, a gap, another organization and an un-revocation', () => {
    const update = signTrustSet(trustSetOf([trusted(current), trusted(next)], 4), current);
    const envelope = JSON.parse(update.toString());
    const payload = Buffer.from(envelope.payload, 'base64url');
    payload[payload.indexOf('"version":4') + 10] = '9'.charCodeAt(0);
    const tampered = Buffer.from(
      JSON.stringify({ ...envelope, payload: payload.toString('base64url') }),
    );
    expect(verifyTrustSetUpdate(tampered, opts)).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    const sign = (set: TrustSet) => signTrustSet(set, current);
    expect(verifyTrustSetUpdate(sign(trustSetOf([trusted(current)], 3)), opts)).toMatchObject({
      ok: false,
      reason: 'rollback',
    });
    expect(verifyTrustSetUpdate(sign(trustSetOf([trusted(current)], 6)), opts)).toMatchObject({
      ok: false,
      reason: 'version-gap',
    });
    expect(
      verifyTrustSetUpdate(sign(trustSetOf([trusted(current)], 4, OTHER_ORG)), opts),
    ).toMatchObject({ ok: false, reason: 'wrong-org' });
    const withRevoked = trustSetOf([trusted(current), trusted(next, 'revoked')], 4);
    const unrevoke = trustSetOf([trusted(current), trusted(next)], 5);
    expect(verifyTrustSetUpdate(sign(unrevoke), { ...opts, held: withRevoked })).toMatchObject({
      ok: false,
      reason: 'unrevoked-key',
    });
    const dropped = trustSetOf([trusted(current)], 5);
    expect(verifyTrustSetUpdate(sign(dropped), { ...opts, held: withRevoked })).toMatchObject({
      ok: false,
      reason: 'unrevoked-key',
    });
  });

  it('refuses a bundle presented as a trust set', () => {
    expect(verifyTrustSetUpdate(bundle(current), opts)).toMatchObject({
      ok: false,
      reason: 'wrong-kind',
    });
  });

  it.each([1, 2, 3])(
    'follows %i rotations from the anchor, whatever became of the older keys since',
    (rotations) => {
      const keys = [generateSigningKey()];
      const anchor = signTrustSet(trustSetOf([trusted(keys[0]!)], 1), keys[0]!);
      const links: Buffer[] = [];
      for (let step = 1; step <= rotations; step += 1) {
        const incoming = generateSigningKey();
        const older = keys.map((key) => trusted(key, 'retiring', new Date(NOW.getTime() + DAY)));
        const set = trustSetOf([...older, trusted(incoming)], step + 1);
        links.push(signTrustSet(set, [keys.at(-1)!, incoming]));
        keys.push(incoming);
      }
      const chain = verifyTrustChain(anchor, links, ORG);
      expect(chain).toMatchObject({ ok: true, trustSet: { version: rotations + 1 } });
      if (!chain.ok) throw new Error(chain.detail);
      // Long after every grace period: the newest key's bundles verify, the older keys' do not.
      const later = {
        expectedOrg: ORG,
        expectedSubject: SUBJECT,
        now: new Date(NOW.getTime() + 30 * DAY),
      };
      const fresh = (key: GeneratedKey) =>
        bundle(key, { expiresAt: new Date(NOW.getTime() + 60 * DAY).toISOString() });
      expect(verifyBundle(fresh(keys.at(-1)!), { ...later, trustSet: chain.trustSet }).ok).toBe(
        true,
      );
      expect(verifyBundle(fresh(keys[0]!), { ...later, trustSet: chain.trustSet })).toMatchObject({
        ok: false,
        reason: 'retired-key',
      });
      // A link cut out, or a planted self-signed set in its place, breaks the chain.
      if (rotations > 1) {
        expect(verifyTrustChain(anchor, links.slice(1), ORG).ok).toBe(false);
      }
      const intruder = generateSigningKey();
      const planted = signTrustSet(trustSetOf([trusted(intruder)], rotations + 2), intruder);
      expect(verifyTrustChain(anchor, [...links, planted], ORG)).toMatchObject({
        ok: false,
        reason: 'unknown-key',
      });
    },
  );
});

describe('policy format of encoded bytes', () => {
  it('reads the format from the bytes encodePolicy writes, whatever their size', () => {
    expect(policyFormatOf(encodePolicy(policyFor(SUBJECT.userId)))).toBe(POLICY_FORMAT_VERSION);
    const format1 = Buffer.from('{"formatVersion":1,"active":true,"tools":{"crm":{"read":0}}}');
    expect(policyFormatOf(format1)).toBe(1);
    expect(policyFormatOf(new Uint8Array(format1))).toBe(1);
  });

  it('parses bytes that do not open with the format, and says null without one', () => {
    expect(policyFormatOf(Buffer.from('{ "active": true, "formatVersion": 1 }'))).toBe(1);
    expect(policyFormatOf(Buffer.from('{"active":true}'))).toBeNull();
    expect(policyFormatOf(Buffer.from('{"formatVersion":"2"}'))).toBeNull();
    expect(policyFormatOf(Buffer.from('not json'))).toBeNull();
    expect(policyFormatOf(Buffer.alloc(0))).toBeNull();
  });
});
