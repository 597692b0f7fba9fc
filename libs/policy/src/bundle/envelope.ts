import { verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ENVELOPE_FORMAT, signingDomain } from './format';
import type { Envelope, Refusal, RefusalReason, SignedKind, TrustSet, TrustedKey } from './format';
import { publicKeyObject } from './sign';

// What bundle and trust-set verification share: opening the envelope without trusting anything in
// it, and checking one signature with one key.

// Larger inputs are refused before any work: a bundle is a few hundred KB at most.
export const MAX_SIGNED_BYTES = 16 * 1024 * 1024;
// A trust set is signed by its outgoing and its incoming key; a few more are tolerated.
const MAX_SIGNATURES = 8;

export function refuse(reason: RefusalReason, detail: string): Refusal {
  return { ok: false, reason, detail };
}

// Strict unpadded base64url: Node's decoder skips characters it does not know and ignores spare
// bits, so two different strings could decode to the same bytes; only the canonical one passes.
function decodeBase64url(value: string): Buffer | null {
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

export interface Signature {
  keyId: string;
  signature: Buffer;
}

export interface OpenedEnvelope {
  // The envelope's first signature, then its cosignatures.
  signatures: Signature[];
  payload: Buffer;
  attachment: Buffer | null;
}

function cosignaturesOf(value: unknown): Signature[] | null {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_SIGNATURES) return null;
  const signatures: Signature[] = [];
  for (const entry of value as { keyId?: unknown; signature?: unknown }[]) {
    if (typeof entry?.keyId !== 'string' || typeof entry.signature !== 'string') return null;
    const signature = decodeBase64url(entry.signature);
    if (!signature) return null;
    signatures.push({ keyId: entry.keyId, signature });
  }
  return signatures;
}

// Parses only the envelope (a handful of strings); the signed payload stays bytes until its
// signature has been checked.
export function openEnvelope(bytes: Uint8Array, kind: SignedKind): OpenedEnvelope | Refusal {
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
  const cosignatures = cosignaturesOf(envelope.cosignatures);
  if (!payloadBytes || !signatureBytes || (attachment !== undefined && !attachmentBytes)) {
    return refuse('malformed', 'payload, signature or attachment is not canonical base64url');
  }
  if (!cosignatures) return refuse('malformed', 'cosignatures must be keyId/signature pairs');
  return {
    signatures: [{ keyId, signature: signatureBytes }, ...cosignatures],
    payload: payloadBytes,
    attachment: attachmentBytes,
  };
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

// Whether `signature` is `key`'s (from `trustSet`) over the payload, in the kind's domain.
export function signedBy(
  opened: OpenedEnvelope,
  signature: Signature,
  kind: SignedKind,
  trustSet: TrustSet,
  key: TrustedKey,
): boolean {
  try {
    return verify(
      null,
      Buffer.concat([signingDomain(kind), opened.payload]),
      keyObjectOf(trustSet, key),
      signature.signature,
    );
  } catch {
    return false;
  }
}

export function parseSigned<T>(payload: Buffer): T | null {
  try {
    const value = JSON.parse(payload.toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : null;
  } catch {
    return null;
  }
}
