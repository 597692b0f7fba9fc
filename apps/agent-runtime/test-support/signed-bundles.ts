import {
  bundleEnvelope,
  compilePolicy,
  encodePolicy,
  generateSigningKey,
  policyDigest,
  signBundle,
  signTrustSet,
  type BundleHeader,
  type CompiledPolicy,
  type ConnectorSource,
  type GeneratedKey,
  type RoleSource,
  type TrustSet,
  type TrustedKey,
} from '@steward/policy';
import { StateStore, type Enrolment } from '../src/control-plane/state-store';

// Test fixtures: an organization with a signing key, policies compiled by libs/policy and bundles
// signed the way the admin API signs them.
export interface TestOrg {
  id: string;
  // The key that signs new bundles now.
  key: GeneratedKey;
  // The organization's trust set now, and the signed set an endpoint enrolling first received.
  trustSet: TrustSet;
  trustSetBytes: Buffer;
  // Every signed set after the first, in version order (what the trust-set route serves).
  updates: Buffer[];
}

export const SUBJECT = {
  userId: '33333333-3333-4333-8333-333333333333',
  endpointId: '44444444-4444-4444-8444-444444444444',
};

export function makeOrg(id = '11111111-1111-4111-8111-111111111111'): TestOrg {
  const key = generateSigningKey();
  const trustSet: TrustSet = {
    formatVersion: 1,
    kind: 'trust-set',
    org: id,
    version: 1,
    issuedAt: new Date().toISOString(),
    keys: [{ keyId: key.keyId, publicKey: key.publicKey, status: 'active' }],
  };
  return { id, key, trustSet, trustSetBytes: signTrustSet(trustSet, key), updates: [] };
}

/**
 * What the admin API does on a rotation (or, with `revoke`, on revoking the active key): a new
 * active key, the outgoing one retiring until `notAfter` (or revoked), announced by a set signed by
 * the outgoing and the incoming key. Returns the signed set, also appended to `org.updates`.
 */
export function rotateKey(
  org: TestOrg,
  options: {
    notAfter: Date;
    revoke?: boolean;
    signers?: (keys: { outgoing: GeneratedKey; incoming: GeneratedKey }) => GeneratedKey[];
  },
): Buffer {
  const outgoing = org.key;
  const incoming = generateSigningKey();
  const keys: TrustedKey[] = org.trustSet.keys.map((key) =>
    key.keyId !== outgoing.keyId
      ? key
      : options.revoke
        ? { keyId: key.keyId, publicKey: key.publicKey, status: 'revoked' }
        : { ...key, status: 'retiring', notAfter: options.notAfter.toISOString() },
  );
  keys.push({ keyId: incoming.keyId, publicKey: incoming.publicKey, status: 'active' });
  const trustSet: TrustSet = {
    ...org.trustSet,
    version: org.trustSet.version + 1,
    issuedAt: new Date().toISOString(),
    keys,
  };
  const signed = signTrustSet(
    trustSet,
    options.signers?.({ outgoing, incoming }) ?? [outgoing, incoming],
  );
  org.key = incoming;
  org.trustSet = trustSet;
  org.updates.push(signed);
  return signed;
}

export function makePolicy(
  role: Partial<Omit<RoleSource, 'id' | 'name'>> = {},
  options: {
    autoApprove?: boolean;
    userId?: string;
    // Where the bundle says the crm connector is; without it the bundle names no address.
    crm?: Pick<ConnectorSource, 'command' | 'args' | 'version'>;
    // Further allow-listed connectors, with their addresses and catalogues.
    connectors?: ConnectorSource[];
    webHosts?: string[];
    // Locations the organization's ceiling forbids besides the defaults.
    forbidden?: string[];
  } = {},
): CompiledPolicy {
  return compilePolicy({
    user: { id: options.userId ?? SUBJECT.userId, active: true },
    grants: [
      {
        role: {
          id: 'role-1',
          name: 'Analysts',
          capabilities: role.capabilities ?? ['agent'],
          connectorRules: role.connectorRules ?? [],
          folderRoots: role.folderRoots ?? [{ pattern: '/', access: 'read_write' }],
        },
        via: { kind: 'group', groupId: 'group-1', groupName: 'Finance' },
      },
    ],
    connectors: [
      {
        name: 'crm',
        transport: 'stdio',
        ...options.crm,
        tools: [
          { name: 'lookup_contact', kind: 'read', destructive: false, approved: true },
          { name: 'send_email', kind: 'write', destructive: true, approved: true },
        ],
      },
      ...(options.connectors ?? []),
    ],
    ceiling: {
      disabledDefaults: [],
      extra: (options.forbidden ?? []).map((pattern, index) => ({
        id: `extra-${index}`,
        pattern,
        scope: 'subtree' as const,
      })),
    },
    approvals: { autoApprovePlansAllowed: options.autoApprove ?? false },
    network: { webHosts: options.webHosts ?? [] },
  });
}

export function signedBundle(
  org: TestOrg,
  policy: CompiledPolicy,
  header: Partial<BundleHeader> = {},
  key: GeneratedKey = org.key,
): Buffer {
  const policyBytes = encodePolicy(policy);
  const now = Date.now();
  const signed = signBundle(
    {
      formatVersion: 1,
      kind: 'policy-bundle',
      org: org.id,
      subject: SUBJECT,
      access: 'granted',
      version: 1,
      issuedAt: new Date(now - 1000).toISOString(),
      expiresAt: new Date(now + 7 * 86_400_000).toISOString(),
      keyId: key.keyId,
      policyDigest: policyDigest(policyBytes),
      telemetry: {
        controlPlane: true,
        otlp: null,
        redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
      },
      spend: { leaseRequired: false, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
      ...header,
    },
    policyBytes,
    key,
  );
  return bundleEnvelope(signed, policyBytes);
}

/** A state directory as `enrol` leaves it, for the fixture organization. */
export function enrolledState(
  dir: string,
  org: TestOrg,
  server = 'http://127.0.0.1:9',
): StateStore {
  const store = new StateStore(dir);
  const enrolment: Enrolment = {
    server,
    organizationId: org.id,
    userId: SUBJECT.userId,
    endpointId: SUBJECT.endpointId,
    credential: 'stw_ep_test',
    deviceName: 'test-device',
    os: 'linux',
    trustAnchor: org.trustSetBytes.toString('utf8'),
  };
  store.saveEnrolment(enrolment);
  store.saveTrustChain([]);
  return store;
}
