import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ENVELOPE_FORMAT, signingDomain } from './format';
import type { CompiledPolicy } from '../compiled';
import type { BundleHeader, Envelope, SharedPolicy, SignedKind, TrustSet } from './format';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
}

export interface GeneratedKey extends SigningKey {
  // Raw 32-byte public key, base64url (as in a trust set).
  publicKey: string;
  // PKCS#8 DER of the private key, for storage (encrypted) by the caller.
  privateKeyDer: Buffer;
}

// A key's id is derived from the key itself, so two keys never share one and an id names exactly
// one public key.
export function keyIdOf(publicKey: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest();
  return `ed25519:${digest.subarray(0, 16).toString('base64url')}`;
}

export function generateSigningKey(): GeneratedKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x!;
  return {
    keyId: keyIdOf(raw),
    publicKey: raw,
    privateKey,
    privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

export function signingKeyFromDer(keyId: string, der: Buffer): SigningKey {
  return { keyId, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
}

export function publicKeyObject(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
}

// The attachment bytes of a policy: serialised once, shared by every subject with equal grants.
export function encodePolicy(policy: CompiledPolicy | SharedPolicy): Buffer {
  const { userId: _userId, ...shared } = policy as CompiledPolicy;
  return Buffer.from(JSON.stringify(shared), 'utf8');
}

// The compiled-policy format (`formatVersion`) of encoded policy bytes, or null when they carry
// none. compilePolicy builds `formatVersion` first in every format so far, so the opening bytes
// answer without parsing a policy of hundreds of KB on the serving path; bytes that open otherwise
// are parsed whole.
const FORMAT_OPENING = /^\{"formatVersion":(\d{1,9})[,}]/;
export function policyFormatOf(policyBytes: Uint8Array): number | null {
  const bytes = Buffer.from(policyBytes.buffer, policyBytes.byteOffset, policyBytes.byteLength);
  const opening = FORMAT_OPENING.exec(bytes.subarray(0, 32).toString('latin1'));
  if (opening) return Number(opening[1]);
  try {
    const policy = JSON.parse(bytes.toString('utf8')) as { formatVersion?: unknown } | null;
    return typeof policy?.formatVersion === 'number' ? policy.formatVersion : null;
  } catch {
    return null;
  }
}

export function policyDigest(policyBytes: Buffer): string {
  return `sha256:${createHash('sha256').update(policyBytes).digest('base64url')}`;
}

// Signs `payload` as it is: these bytes, and no re-serialisation of them, are what a verifier
// checks.
export function signEnvelope(
  kind: SignedKind,
  payload: Buffer,
  key: SigningKey,
  attachment?: Buffer,
): Buffer {
  return assembleEnvelope(kind, key.keyId, payload, signPayload(kind, payload, key), attachment);
}

export function signPayload(kind: SignedKind, payload: Buffer, key: SigningKey): Buffer {
  return sign(null, Buffer.concat([signingDomain(kind), payload]), key.privateKey);
}

// The wire bytes of a signed document from its stored parts (the server keeps payload and
// signature, and the attachment once per digest).
export function assembleEnvelope(
  kind: SignedKind,
  keyId: string,
  payload: Buffer,
  signature: Buffer,
  attachment?: Buffer,
  cosignatures: readonly { keyId: string; signature: Buffer }[] = [],
): Buffer {
  const envelope: Envelope = {
    steward: ENVELOPE_FORMAT,
    kind,
    keyId,
    payload: payload.toString('base64url'),
    signature: signature.toString('base64url'),
    ...(attachment ? { attachment: attachment.toString('base64url') } : {}),
    ...(cosignatures.length
      ? {
          cosignatures: cosignatures.map((cosigned) => ({
            keyId: cosigned.keyId,
            signature: cosigned.signature.toString('base64url'),
          })),
        }
      : {}),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

// A compiled policy's attachment bytes (from encodePolicy) with their digest (policyDigest): a
// server signing one policy for many subjects hashes it once.
export interface EncodedPolicy {
  bytes: Buffer;
  digest: string;
}

// A signed bundle in the parts a server keeps: the exact header bytes that were signed (its ETag is
// derived from them) and their signature. The policy bytes travel beside it, kept once per digest,
// and bundleEnvelope puts the wire bytes together.
export interface SignedBundle {
  keyId: string;
  payload: Buffer;
  signature: Buffer;
}

// The one way a bundle is signed. The header must name the signing key and carry the digest of the
// policy that will be attached (`policy` as encodePolicy's bytes, or already with its digest).
export function signBundle(
  header: BundleHeader,
  policy: Buffer | EncodedPolicy,
  key: SigningKey,
): SignedBundle {
  if (header.keyId !== key.keyId) throw new Error('the header names another signing key');
  const digest = Buffer.isBuffer(policy) ? policyDigest(policy) : policy.digest;
  if (header.policyDigest !== digest) throw new Error('the header carries another policy digest');
  const payload = Buffer.from(JSON.stringify(header), 'utf8');
  return { keyId: key.keyId, payload, signature: signPayload('policy-bundle', payload, key) };
}

// The wire bytes of a signed bundle with its policy attached.
export function bundleEnvelope(bundle: SignedBundle, policyBytes: Buffer): Buffer {
  return assembleEnvelope(
    'policy-bundle',
    bundle.keyId,
    bundle.payload,
    bundle.signature,
    policyBytes,
  );
}

// Signed by every key of `signers` (a rotation: the outgoing key first, then the incoming one; the
// same key twice signs once).
export function signTrustSet(trustSet: TrustSet, signers: SigningKey | readonly SigningKey[]) {
  const keys = [...new Map([signers].flat().map((key) => [key.keyId, key])).values()];
  if (!keys.length) throw new Error('a trust set needs at least one signer');
  const payload = Buffer.from(JSON.stringify(trustSet));
  const [first, ...others] = keys.map((key) => ({
    keyId: key.keyId,
    signature: signPayload('trust-set', payload, key),
  }));
  return assembleEnvelope('trust-set', first!.keyId, payload, first!.signature, undefined, others);
}
