// The signed formats shared by the admin API (which signs) and the agent runtime (which verifies):
// a policy bundle for one subject and the organization's trust set (its signing keys).
//
// Wire form of both: a small JSON envelope,
//   {"steward":"signed/1","kind":K,"keyId":ID,"payload":B64,"signature":B64[,"attachment":B64]
//    [,"cosignatures":[{"keyId":ID,"signature":B64}…]]}
// where B64 is unpadded base64url. `payload` is the exact UTF-8 JSON bytes that were signed (never
// re-serialised), `signature` is Ed25519 over DOMAIN(K) + payload. A bundle's compiled policy
// travels as `attachment` and is bound by the SHA-256 digest the signed payload carries, so signing
// costs the same for a 200 KB policy as for an empty one and subjects with the same effective
// policy share its bytes (TUF's targets model: sign a manifest that hashes the content). The
// attachment is the CompiledPolicy without its `userId`, which the signed subject supplies.

import type { CompiledPolicy } from '../compiled';

export const ENVELOPE_FORMAT = 'signed/1';
export const FORMAT_VERSION = 1;

export type SignedKind = 'policy-bundle' | 'trust-set';

// Domain separation: a signature over a trust set can never be presented as one over a bundle.
export function signingDomain(kind: SignedKind): Buffer {
  return Buffer.from(`steward-${ENVELOPE_FORMAT}:${kind}\n`, 'utf8');
}

export interface Envelope {
  steward: typeof ENVELOPE_FORMAT;
  kind: SignedKind;
  keyId: string;
  payload: string;
  signature: string;
  attachment?: string;
  // Further signatures over the same payload: a trust set carries its outgoing key's as
  // `keyId`/`signature` and its incoming key's here.
  cosignatures?: { keyId: string; signature: string }[];
}

// The attachment: a compiled policy minus the user, identical for users with the same grants.
export type SharedPolicy = Omit<CompiledPolicy, 'userId'>;

export type RedactionMode = 'keep' | 'hash' | 'drop';

export interface TelemetrySettings {
  // Events always go to the control plane (POST /api/v1/endpoints/events).
  controlPlane: boolean;
  // The organization's OpenTelemetry collector (OTLP/HTTP), or null for none.
  otlp: { endpoint: string; headers: Record<string, string> } | null;
  // What leaves the endpoint, for both destinations (see @steward/telemetry redactEvent).
  redaction: { prompts: RedactionMode; commands: RedactionMode; paths: RedactionMode };
}

// Set per organization by its admins (GraphQL setEndpointSpendSettings). The API sends amounts
// with at most 6 decimals and 10 significant digits, so a JSON number carries them exactly.
export interface SpendSettings {
  // Model calls need a lease from POST /api/v1/endpoints/spend/leases first.
  leaseRequired: boolean;
  // The lease the runtime asks for before each model call, in USD.
  maxLeaseUsd: number;
  // What the runtime may spend with no reachable control plane, per bundle version, in USD.
  offlineAllowanceUsd: number;
}

export interface BundleSubject {
  userId: string;
  endpointId: string;
}

// The signed payload of a policy bundle.
export interface BundleHeader {
  formatVersion: typeof FORMAT_VERSION;
  kind: 'policy-bundle';
  org: string;
  subject: BundleSubject;
  // `revoked` for a deactivated or deleted user: the runtime must refuse every session.
  access: 'granted' | 'revoked';
  // Goes only up per subject; a runtime refuses anything older than what it holds.
  version: number;
  issuedAt: string;
  expiresAt: string;
  keyId: string;
  // `sha256:` + base64url digest of the attachment's bytes (the compiled policy JSON).
  policyDigest: string;
  telemetry: TelemetrySettings;
  spend: SpendSettings;
}

export type KeyStatus = 'active' | 'retiring' | 'revoked';

export interface TrustedKey {
  keyId: string;
  // Raw 32-byte Ed25519 public key, base64url.
  publicKey: string;
  status: KeyStatus;
  // Set on a retiring key: past this instant it verifies nothing.
  notAfter?: string;
}

// The signed payload of a trust set: every key the organization signs with, and their status.
export interface TrustSet {
  formatVersion: typeof FORMAT_VERSION;
  kind: 'trust-set';
  org: string;
  version: number;
  issuedAt: string;
  keys: TrustedKey[];
}

export type RefusalReason =
  | 'malformed'
  | 'unsigned'
  | 'bad-signature'
  | 'unknown-key'
  | 'revoked-key'
  | 'retired-key'
  | 'wrong-kind'
  | 'wrong-org'
  | 'wrong-subject'
  | 'expired'
  | 'not-yet-valid'
  | 'rollback'
  | 'unrevoked-key'
  | 'version-gap'
  | 'not-cosigned';

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  detail: string;
}
