import {
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
} from '@steward/policy';
import { StateStore, type Enrolment } from '../src/control-plane/state-store';

// Test fixtures: an organization with a signing key, policies compiled by libs/policy and bundles
// signed the way the admin API signs them.
export interface TestOrg {
  id: string;
  key: GeneratedKey;
  trustSetBytes: Buffer;
}

export const SUBJECT = {
  userId: '33333333-3333-4333-8333-333333333333',
  endpointId: '44444444-4444-4444-8444-444444444444',
};

export function makeOrg(id = '11111111-1111-4111-8111-111111111111'): TestOrg {
  const key = generateSigningKey();
  const trustSetBytes = signTrustSet(
    {
      formatVersion: 1,
      kind: 'trust-set',
      org: id,
      version: 1,
      issuedAt: new Date().toISOString(),
      keys: [{ keyId: key.keyId, publicKey: key.publicKey, status: 'active' }],
    },
    key,
  );
  return { id, key, trustSetBytes };
}

export function makePolicy(
  role: Partial<Omit<RoleSource, 'id' | 'name'>> = {},
  options: {
    autoApprove?: boolean;
    userId?: string;
    // Where the bundle says the crm connector is; without it the bundle names no address.
    crm?: Pick<ConnectorSource, 'command' | 'args' | 'version'>;
    webHosts?: string[];
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
    ],
    ceiling: { disabledDefaults: [] },
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
  return signBundle(
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
  };
  store.saveEnrolment(enrolment);
  store.saveTrustSet(org.trustSetBytes);
  return store;
}
