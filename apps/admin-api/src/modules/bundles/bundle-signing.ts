import { signBundle } from '@steward/policy';
import type {
  BundleHeader,
  EncodedPolicy,
  SigningKey,
  SpendSettings,
  TelemetrySettings,
} from '@steward/policy';
import { createHash } from 'node:crypto';
import type { EndpointSubject } from '../endpoints/endpoint-subjects.service';
import type { LatestBundle, NewBundle } from './bundles.repository';

// A user's compiled policy as a publish signs it, and whether the user may use the agent at all.
export type SubjectPolicy = EncodedPolicy & { access: 'granted' | 'revoked' };

// What every bundle of one publish is signed with.
export interface SigningTerms {
  organizationId: string;
  signer: SigningKey;
  spend: SpendSettings;
  issuedAt: Date;
  expiresAt: Date;
}

// Until the organization configures telemetry export (the telemetry issue), events go to the
// control plane only and leave the endpoint unredacted.
const TELEMETRY: TelemetrySettings = {
  controlPlane: true,
  otlp: null,
  redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
};

// Whether the subject's newest bundle says what a new one would (policy, access, signing key,
// spend settings) and is not yet past half its life, so a publish leaves it alone.
export function stillCurrent(
  held: LatestBundle | undefined,
  policy: SubjectPolicy,
  terms: SigningTerms,
): boolean {
  const lifetimeMs = terms.expiresAt.getTime() - terms.issuedAt.getTime();
  return (
    !!held &&
    held.policyDigest === policy.digest &&
    held.access === policy.access &&
    held.keyId === terms.signer.keyId &&
    sameSpend(held.spend, terms.spend) &&
    held.expiresAt.getTime() - terms.issuedAt.getTime() >= lifetimeMs / 2
  );
}

// The subject's bundle of this version, signed, as the repository stores it.
export function signSubjectBundle(
  subject: EndpointSubject,
  version: number,
  policy: SubjectPolicy,
  terms: SigningTerms,
): NewBundle {
  const { issuedAt, expiresAt, signer } = terms;
  const header: BundleHeader = {
    formatVersion: 1,
    kind: 'policy-bundle',
    org: terms.organizationId,
    subject: { userId: subject.userId, endpointId: subject.endpointId },
    access: policy.access,
    version,
    issuedAt: issuedAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    keyId: signer.keyId,
    policyDigest: policy.digest,
    telemetry: TELEMETRY,
    spend: terms.spend,
  };
  const { keyId, payload, signature } = signBundle(header, policy, signer);
  return {
    endpointId: subject.endpointId,
    version,
    keyId,
    etag: etagOf(version, payload),
    payload,
    signature,
    policyDigest: policy.digest,
    issuedAt,
    expiresAt,
  };
}

function sameSpend(held: SpendSettings, next: SpendSettings): boolean {
  return (
    held.leaseRequired === next.leaseRequired &&
    held.maxLeaseUsd === next.maxLeaseUsd &&
    held.offlineAllowanceUsd === next.offlineAllowanceUsd
  );
}

// Strong validator: the version plus a digest of the signed payload.
function etagOf(version: number, payload: Buffer): string {
  return `"${version}-${createHash('sha256').update(payload).digest('base64url').slice(0, 16)}"`;
}
