import { createHash, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { POLICY_FORMAT_VERSION } from '../compiled';
import type { CompiledPolicy } from '../compiled';
import { ENVELOPE_FORMAT, FORMAT_VERSION, signingDomain } from './format';
import type {
  BundleHeader,
  BundleSubject,
  Envelope,
  Refusal,
  RefusalReason,
  SharedPolicy,
  SignedKind,
  TrustSet,
  TrustedKey,
} from './format';
import { publicKeyObject } from './sign';

// Larger inputs are refused before any work: a bundle is a few hundred KB at most.
export const MAX_SIGNED_BYTES = 16 * 1024 * 1024;
// Tolerated clock difference between the control plane and an endpoint.
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface VerifiedBundle extends BundleHeader {
  policy: CompiledPolicy;
}

export type BundleVerification = { ok: true; bundle: VerifiedBundle } | Refusal;

export type TrustSetVerification = { ok: true; trustSet: TrustSet } | Refusal;

export interface BundleExpectations {
  trustSet: TrustSet;
  expectedOrg: string;
  expectedSubject: BundleSubject;
  // Version of the bundle the endpoint holds (0 or undefined: none). Equal is accepted, so a
  // runtime can re-verify the bundle it stored.
  heldVersion?: number;
  now?: Date;
}

function refuse(reason: RefusalReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

// Strict unpadded base64url: Node's decoder skips characters it does not know and ignores spare
// bits, so two different strings could decode to the same bytes; only the canonical one passes.
function decodeBase64url(value: string): Buffer | null {
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

interface OpenedEnvelope {
  keyId: string;
  payload: Buffer;
  signature: Buffer;
  attachment: Buffer | null;
}

// Parses only the envelope (a handful of strings); the signed payload stays bytes until its
// signature has been checked.
function openEnvelope(bytes: Uint8Array, kind: SignedKind): OpenedEnvelope | Refusal {
  if (bytes.byteLength > MAX_SIGNED_BYTES) return refuse('malformed', 'larger than 16 MiB');
  let envelope: Partial<Record<keyof Envelope, unknown>>;
  try {
    envelope = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof envelope;
  } catch {
    return refuse('malformed', 'not a JSON envelope');
  }
  if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) {
    return refuse('malformed', 'not a JSON envelope');
  }
  if (envelope.signature === undefined || envelope.signature === '') {
    return refuse('unsigned', 'the document carries no signature');
  }
  const { steward, keyId, payload, signature, attachment } = envelope;
  if (steward !== ENVELOPE_FORMAT)
    return refuse('malformed', `unknown envelope ${String(steward)}`);
  if (envelope.kind !== kind) {
    return refuse('wrong-kind', `expected a ${kind}, got ${String(envelope.kind)}`);
  }
  if (typeof keyId !== 'string' || typeof payload !== 'string' || typeof signature !== 'string') {
    return refuse('malformed', 'keyId, payload and signature must be strings');
  }
  if (attachment !== undefined && typeof attachment !== 'string') {
    return refuse('malformed', 'attachment must be a string');
  }
  const payloadBytes = decodeBase64url(payload);
  const signatureBytes = decodeBase64url(signature);
  const attachmentBytes = attachment === undefined ? null : decodeBase64url(attachment);
  if (!payloadBytes || !signatureBytes || (attachment !== undefined && !attachmentBytes)) {
    return refuse('malformed', 'payload, signature or attachment is not canonical base64url');
  }
  return { keyId, payload: payloadBytes, signature: signatureBytes, attachment: attachmentBytes };
}

// Public key objects per trust set, so a verifier does not re-import keys for every bundle.
const keyObjects = new WeakMap<TrustSet, Map<string, KeyObject>>();

function keyObjectOf(trustSet: TrustSet, key: TrustedKey): KeyObject {
  let keys = keyObjects.get(trustSet);
  if (!keys) keyObjects.set(trustSet, (keys = new Map()));
  let object = keys.get(key.keyId);
  if (!object) keys.set(key.keyId, (object = publicKeyObject(key.publicKey)));
  return object;
}

function checkSignature(
  opened: OpenedEnvelope,
  kind: SignedKind,
  trustSet: TrustSet,
  now: Date,
): Refusal | null {
  const key = trustSet.keys.find((candidate) => candidate.keyId === opened.keyId);
  if (!key) return refuse('unknown-key', `key ${opened.keyId} is not in the trust set`);
  if (key.status === 'revoked') return refuse('revoked-key', `key ${opened.keyId} is revoked`);
  if (key.notAfter && now.getTime() > Date.parse(key.notAfter)) {
    return refuse('retired-key', `key ${opened.keyId} retired at ${key.notAfter}`);
  }
  let valid: boolean;
  try {
    valid = verify(
      null,
      Buffer.concat([signingDomain(kind), opened.payload]),
      keyObjectOf(trustSet, key),
      opened.signature,
    );
  } catch {
    valid = false;
  }
  return valid ? null : refuse('bad-signature', `signature does not verify with ${opened.keyId}`);
}

function parseSigned<T>(payload: Buffer): T | null {
  try {
    const value = JSON.parse(payload.toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : null;
  } catch {
    return null;
  }
}

// Checks, in order: envelope, key (known, not revoked, not retired), signature, then the signed
// facts: kind, key id, policy digest, organization, subject, validity window, version. Each refusal
// has its own reason for the endpoint's log and status report.
export function verifyBundle(bytes: Uint8Array, expect: BundleExpectations): BundleVerification {
  const now = expect.now ?? new Date();
  const opened = openEnvelope(bytes, 'policy-bundle');
  if ('ok' in opened) return opened;
  const badKey = checkSignature(opened, 'policy-bundle', expect.trustSet, now);
  if (badKey) return badKey;
  const header = parseSigned<BundleHeader>(opened.payload);
  if (!header || header.formatVersion !== FORMAT_VERSION || header.kind !== 'policy-bundle') {
    return refuse('malformed', 'the signed payload is not a version 1 policy bundle');
  }
  if (header.keyId !== opened.keyId) {
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

export interface TrustSetExpectations {
  // The trust set the endpoint holds; null at enrolment, when the set must be signed by one of its
  // own keys (it arrives over the authenticated enrolment call).
  held: TrustSet | null;
  expectedOrg: string;
  now?: Date;
}

// A new trust set is accepted only when signed by a key the endpoint already trusts, newer than
// the held one, for the same organization, and never reinstating a key the held set revoked.
export function verifyTrustSetUpdate(
  bytes: Uint8Array,
  expect: TrustSetExpectations,
): TrustSetVerification {
  const now = expect.now ?? new Date();
  const opened = openEnvelope(bytes, 'trust-set');
  if ('ok' in opened) return opened;
  let signers = expect.held;
  if (!signers) {
    const unverified = parseSigned<TrustSet>(opened.payload);
    if (!unverified || !isTrustSetShape(unverified)) {
      return refuse('malformed', 'the payload is not a version 1 trust set');
    }
    signers = unverified;
  }
  const badKey = checkSignature(opened, 'trust-set', signers, now);
  if (badKey) return badKey;
  const trustSet = parseSigned<TrustSet>(opened.payload);
  if (!trustSet || !isTrustSetShape(trustSet)) {
    return refuse('malformed', 'the payload is not a version 1 trust set');
  }
  if (trustSet.org !== expect.expectedOrg) {
    return refuse('wrong-org', `made for organization ${trustSet.org}`);
  }
  if (expect.held) {
    if (trustSet.version <= expect.held.version) {
      return refuse(
        'rollback',
        `version ${trustSet.version} is not newer than ${expect.held.version}`,
      );
    }
    for (const revoked of expect.held.keys.filter((key) => key.status === 'revoked')) {
      const listed = trustSet.keys.find((key) => key.keyId === revoked.keyId);
      // Dropping a revoked key would let a later set bring it back; it stays listed as revoked.
      if (listed?.status !== 'revoked') {
        return refuse('unrevoked-key', `key ${revoked.keyId} was revoked and must stay revoked`);
      }
    }
  }
  return { ok: true, trustSet };
}

function isTrustSetShape(value: TrustSet): boolean {
  return (
    value.formatVersion === FORMAT_VERSION &&
    value.kind === 'trust-set' &&
    typeof value.org === 'string' &&
    Number.isSafeInteger(value.version) &&
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
