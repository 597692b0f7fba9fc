import { createHash } from 'node:crypto';
import { POLICY_FORMAT_VERSION } from '../compiled';
import type { CompiledPolicy } from '../compiled';
import { openEnvelope, parseSigned, refuse, signedBy } from './envelope';
import type { OpenedEnvelope } from './envelope';
import { FORMAT_VERSION } from './format';
import type { BundleHeader, BundleSubject, Refusal, SharedPolicy, TrustSet } from './format';

export { MAX_SIGNED_BYTES } from './envelope';

// Tolerated clock difference between the control plane and an endpoint.
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface VerifiedBundle extends BundleHeader {
  policy: CompiledPolicy;
}

export type BundleVerification = { ok: true; bundle: VerifiedBundle } | Refusal;

export interface BundleExpectations {
  trustSet: TrustSet;
  expectedOrg: string;
  expectedSubject: BundleSubject;
  // Version of the bundle the endpoint holds (0 or undefined: none). Equal is accepted, so a
  // runtime can re-verify the bundle it stored.
  heldVersion?: number;
  now?: Date;
}

// The bundle's signature (its envelope's first): by a key of the trust set that is neither revoked
// nor retired at `now`.
function checkSignature(opened: OpenedEnvelope, trustSet: TrustSet, now: Date): Refusal | null {
  const signature = opened.signatures[0]!;
  const key = trustSet.keys.find((candidate) => candidate.keyId === signature.keyId);
  if (!key) return refuse('unknown-key', `key ${signature.keyId} is not in the trust set`);
  if (key.status === 'revoked') return refuse('revoked-key', `key ${key.keyId} is revoked`);
  if (key.notAfter && now.getTime() > Date.parse(key.notAfter)) {
    return refuse('retired-key', `key ${key.keyId} retired at ${key.notAfter}`);
  }
  return signedBy(opened, signature, 'policy-bundle', trustSet, key)
    ? null
    : refuse('bad-signature', `signature does not verify with ${key.keyId}`);
}

// Checks, in order: envelope, key (known, not revoked, not retired), signature, then the signed
// facts: kind, key id, policy digest, organization, subject, validity window, version. Each refusal
// has its own reason for the endpoint's log and status report.
export function verifyBundle(bytes: Uint8Array, expect: BundleExpectations): BundleVerification {
  const now = expect.now ?? new Date();
  const opened = openEnvelope(bytes, 'policy-bundle');
  if ('ok' in opened) return opened;
  const badKey = checkSignature(opened, expect.trustSet, now);
  if (badKey) return badKey;
  const header = parseSigned<BundleHeader>(opened.payload);
  if (!header || header.formatVersion !== FORMAT_VERSION || header.kind !== 'policy-bundle') {
    return refuse('malformed', 'the signed payload is not a version 1 policy bundle');
  }
  if (header.keyId !== opened.signatures[0]!.keyId) {
    return refuse('malformed', 'the envelope and the payload name different keys');
  }
  const digest = `sha256:${createHash('sha256')
    .update(opened.attachment ?? Buffer.alloc(0))
    .digest('base64url')}`;
  if (!opened.attachment || digest !== header.policyDigest) {
    return refuse('bad-signature', 'the policy does not match the signed digest');
  }
  if (header.org !== expect.expectedOrg) {
    return refuse('wrong-org', `made for organization ${header.org}`);
  }
  const subject = header.subject ?? {};
  if (
    subject.userId !== expect.expectedSubject.userId ||
    subject.endpointId !== expect.expectedSubject.endpointId
  ) {
    return refuse(
      'wrong-subject',
      `made for user ${subject.userId} on endpoint ${subject.endpointId}`,
    );
  }
  const expiresAt = Date.parse(header.expiresAt);
  const issuedAt = Date.parse(header.issuedAt);
  if (!Number.isFinite(expiresAt) || !Number.isFinite(issuedAt)) {
    return refuse('malformed', 'issuedAt and expiresAt must be timestamps');
  }
  if (now.getTime() >= expiresAt) return refuse('expired', `expired at ${header.expiresAt}`);
  if (issuedAt > now.getTime() + CLOCK_SKEW_MS) {
    return refuse('not-yet-valid', `issued in the future (${header.issuedAt})`);
  }
  if (!Number.isSafeInteger(header.version) || header.version < 1) {
    return refuse('malformed', 'version must be a positive integer');
  }
  if (header.version < (expect.heldVersion ?? 0)) {
    return refuse('rollback', `version ${header.version} is older than ${expect.heldVersion}`);
  }
  const policy = parseSigned<SharedPolicy>(opened.attachment);
  if (policy?.formatVersion !== POLICY_FORMAT_VERSION) {
    return refuse('malformed', `the policy is not a format ${POLICY_FORMAT_VERSION} policy`);
  }
  return { ok: true, bundle: { ...header, policy: { ...policy, userId: subject.userId } } };
}
