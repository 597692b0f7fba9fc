import { openEnvelope, parseSigned, refuse, signedBy } from './envelope';
import type { OpenedEnvelope } from './envelope';
import { FORMAT_VERSION } from './format';
import type { Refusal, RefusalReason, TrustSet } from './format';

// The trust chain (TUF's root rotation, with one key per role): an endpoint pins the trust set it
// receives at enrolment (the anchor) and accepts every later set only as the next link of a chain
// from it. A link is signed by the active key of the set before it (the outgoing key, which the
// endpoint already trusts) and by the active key of the set itself (the incoming key). Retiring and
// revoked keys verify no trust set at all, so:
// - a link never depends on time: an endpoint that slept through any number of rotations, past
//   every grace period, still follows the chain, and re-verifies it from the anchor on every use;
// - a set signed only by a retired or revoked key is refused, and so is a set whose own active key
//   did not sign it (what a stolen outgoing key alone could produce);
// - a stored set is trusted because the chain from the anchor leads to it, never because it signs
//   itself.

export type TrustSetVerification = { ok: true; trustSet: TrustSet } | Refusal;

export interface TrustSetExpectations {
  // The set the endpoint trusts now; null for the anchor, which is checked against itself only
  // (it arrives over the authenticated enrolment call).
  held: TrustSet | null;
  expectedOrg: string;
}

const REFUSAL_ORDER: RefusalReason[] = [
  'bad-signature',
  'revoked-key',
  'retired-key',
  'unknown-key',
];

// Whether one of the envelope's signatures is by an active key of `signers`; otherwise the most
// telling reason why none is.
function signedByActiveKey(
  opened: OpenedEnvelope,
  signers: TrustSet,
  role: string,
): Refusal | null {
  const found = new Map<RefusalReason, string>();
  for (const signature of opened.signatures) {
    const key = signers.keys.find((candidate) => candidate.keyId === signature.keyId);
    if (!key) {
      found.set('unknown-key', `key ${signature.keyId} is not in the ${role} trust set`);
    } else if (key.status === 'revoked') {
      found.set('revoked-key', `key ${key.keyId} is revoked in the ${role} trust set`);
    } else if (key.status !== 'active') {
      found.set('retired-key', `key ${key.keyId} is retiring in the ${role} set: it signs no set`);
    } else if (signedBy(opened, signature, 'trust-set', signers, key)) {
      return null;
    } else {
      found.set('bad-signature', `signature does not verify with ${key.keyId}`);
    }
  }
  const reason = REFUSAL_ORDER.find((candidate) => found.has(candidate));
  return reason
    ? refuse(reason, found.get(reason)!)
    : refuse('unsigned', `no signature by the ${role} set's active key`);
}

function isTrustSetShape(value: TrustSet): boolean {
  return (
    value.formatVersion === FORMAT_VERSION &&
    value.kind === 'trust-set' &&
    typeof value.org === 'string' &&
    Number.isSafeInteger(value.version) &&
    value.version >= 1 &&
    Array.isArray(value.keys) &&
    value.keys.every(
      (key) =>
        typeof key?.keyId === 'string' &&
        typeof key.publicKey === 'string' &&
        ['active', 'retiring', 'revoked'].includes(key.status) &&
        (key.notAfter === undefined || Number.isFinite(Date.parse(key.notAfter))),
    )
  );
}

// What the held set requires of the next one: the very next version, revoked keys still revoked.
function followsHeld(trustSet: TrustSet, held: TrustSet): Refusal | null {
  if (trustSet.version <= held.version) {
    return refuse('rollback', `version ${trustSet.version} is not newer than ${held.version}`);
  }
  if (trustSet.version !== held.version + 1) {
    return refuse('version-gap', `version ${trustSet.version} does not follow ${held.version}`);
  }
  for (const revoked of held.keys.filter((key) => key.status === 'revoked')) {
    const listed = trustSet.keys.find((key) => key.keyId === revoked.keyId);
    // Dropping a revoked key would let a later set bring it back; it stays listed as revoked.
    if (listed?.status !== 'revoked') {
      return refuse('unrevoked-key', `key ${revoked.keyId} was revoked and must stay revoked`);
    }
  }
  return null;
}

// One link: the anchor (held null) or the set that follows `held`.
export function verifyTrustSetUpdate(
  bytes: Uint8Array,
  expect: TrustSetExpectations,
): TrustSetVerification {
  const opened = openEnvelope(bytes, 'trust-set');
  if ('ok' in opened) return opened;
  if (expect.held) {
    const outgoing = signedByActiveKey(opened, expect.held, 'held');
    if (outgoing) return outgoing;
  }
  const trustSet = parseSigned<TrustSet>(opened.payload);
  if (!trustSet || !isTrustSetShape(trustSet)) {
    return refuse('malformed', 'the payload is not a version 1 trust set');
  }
  if (trustSet.org !== expect.expectedOrg) {
    return refuse('wrong-org', `made for organization ${trustSet.org}`);
  }
  if (expect.held) {
    const broken = followsHeld(trustSet, expect.held);
    if (broken) return broken;
  }
  const incoming = signedByActiveKey(opened, trustSet, 'new');
  if (incoming) {
    return expect.held && incoming.reason !== 'bad-signature'
      ? refuse('not-cosigned', `the set is not signed by its own active key (${incoming.detail})`)
      : incoming;
  }
  return { ok: true, trustSet };
}

// The set an endpoint trusts: the anchor pinned at enrolment, followed link by link.
export function verifyTrustChain(
  anchor: Uint8Array,
  links: readonly Uint8Array[],
  expectedOrg: string,
): TrustSetVerification {
  let verified = verifyTrustSetUpdate(anchor, { held: null, expectedOrg });
  if (!verified.ok) return { ...verified, detail: `trust anchor: ${verified.detail}` };
  for (const [index, link] of links.entries()) {
    const next = verifyTrustSetUpdate(link, { held: verified.trustSet, expectedOrg });
    if (!next.ok) return { ...next, detail: `trust chain link ${index + 1}: ${next.detail}` };
    verified = next;
  }
  return verified;
}
