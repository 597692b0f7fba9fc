import {
  assembleEnvelope,
  POLICY_FORMAT_VERSION,
  policyDigest,
  signPayload,
  verifyBundle,
  verifyTrustSetUpdate,
} from '@steward/policy';
import type { BundleHeader, CompiledPolicy } from '@steward/policy';
import { createHash } from 'node:crypto';
import { FORMAT_UPGRADE_REASON } from '../../apps/admin-api/src/modules/bundles/bundles.service';
import { SigningKeysService } from '../../apps/admin-api/src/modules/bundles/signing-keys.service';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';

interface Enrolled {
  endpointId: string;
  organizationId: string;
  userId: string;
  credential: string;
  trustSet: string;
}

// A compiled policy as format 1 wrote it: each connector's tools as a name → code object, and no
// connector addresses or network hosts.
function formatOnePolicy(policy: CompiledPolicy): Buffer {
  const tools = Object.fromEntries(
    Object.entries(policy.tools).map(([connector, [names, codes]]) => [
      connector,
      Object.fromEntries(names.map((name, index) => [name, codes[index]])),
    ]),
  );
  return Buffer.from(
    JSON.stringify({
      formatVersion: 1,
      active: policy.active,
      rules: policy.rules,
      capabilities: policy.capabilities,
      tools,
      folders: policy.folders,
      approvals: policy.approvals,
    }),
  );
}

// The API that was upgraded left bundles whose policy is in the previous compiled format; runtimes
// on the new code refuse those. The first pull after the upgrade gets a current-format bundle,
// republished once however many replicas and pulls ask at the same time.
describe('bundles survive a compiled-format upgrade', () => {
  let api: TestApi;
  const replicas: TestApi[] = [];

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await api?.close();
  });

  function verify(endpoint: Enrolled, body: Buffer) {
    const trust = verifyTrustSetUpdate(Buffer.from(endpoint.trustSet), {
      held: null,
      expectedOrg: endpoint.organizationId,
    });
    if (!trust.ok) throw new Error(`trust set refused: ${trust.reason}`);
    return verifyBundle(body, {
      trustSet: trust.trustSet,
      expectedOrg: endpoint.organizationId,
      expectedSubject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
    });
  }

  function pull(replica: TestApi, endpoint: Enrolled, etag?: string) {
    return fetch(`${replica.url}/api/v1/endpoints/bundle`, {
      headers: {
        authorization: `Bearer ${endpoint.credential}`,
        ...(etag ? { 'if-none-match': etag } : {}),
      },
    });
  }

  // What an API on the previous format did when it published: blob, version, signed row.
  async function storeAsPreviousApi(endpoint: Enrolled, policyBytes: Buffer) {
    const organizationId = endpoint.organizationId;
    const signer = await api.get(SigningKeysService).activeSigner(organizationId);
    const digest = policyDigest(policyBytes);
    return api.prisma.$transaction(async (tx) => {
      await tx.policyBlob.create({
        data: { organizationId, digest, bytes: new Uint8Array(policyBytes) },
      });
      const { bundleVersion: version } = await tx.endpoint.update({
        where: { id: endpoint.endpointId },
        data: { bundleVersion: { increment: 1 } },
      });
      const publish = await tx.bundlePublish.create({
        data: { organizationId, reason: 'governance.changed', subjectCount: 1 },
      });
      const issuedAt = new Date();
      const expiresAt = new Date(issuedAt.getTime() + 7 * 86_400_000);
      const header: BundleHeader = {
        formatVersion: 1,
        kind: 'policy-bundle',
        org: organizationId,
        subject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
        access: 'granted',
        version,
        issuedAt: issuedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
        keyId: signer.keyId,
        policyDigest: digest,
        telemetry: {
          controlPlane: true,
          otlp: null,
          redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
        },
        spend: { leaseRequired: true, maxLeaseUsd: 1, offlineAllowanceUsd: 0 },
      };
      const payload = Buffer.from(JSON.stringify(header));
      const signature = signPayload('policy-bundle', payload, signer);
      const etag = `"${version}-${createHash('sha256').update(payload).digest('base64url').slice(0, 16)}"`;
      await tx.policyBundle.create({
        data: {
          organizationId,
          endpointId: endpoint.endpointId,
          version,
          keyId: signer.keyId,
          etag,
          payload: new Uint8Array(payload),
          signature: new Uint8Array(signature),
          policyDigest: digest,
          publishId: publish.id,
          issuedAt,
          expiresAt,
        },
      });
      const envelope = assembleEnvelope(
        'policy-bundle',
        signer.keyId,
        payload,
        signature,
        policyBytes,
      );
      return { version, etag, envelope };
    });
  }

  it('recompiles a previous-format bundle on pull, once across replicas, and serves it verified', async () => {
    const org = await api.get(OrganizationsService).create(`Upgrade ${Math.random()}`, {
      type: 'operator',
    });
    const enrolment = await api
      .get(CredentialsService)
      .issue(org.id, 'enrolment', { actor: { type: 'operator' } });
    const alice = await api.prisma.directoryUser.create({
      data: {
        organizationId: org.id,
        userName: 'alice@example.com',
        userNameLower: 'alice@example.com',
      },
    });
    const admin = await signInAdmin(api, org.id, 'admin');
    const ok = async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const result = await graphql<T>(api, admin, query, variables);
      expect(result.errors).toBeUndefined();
      return result.data!;
    };
    const { createConnector } = await ok<{ createConnector: { id: string } }>(
      `mutation { createConnector(input: { name: "crm", transport: streamable_http, url: "https://crm.example.com/mcp", version: "1.0.0" }) { id } }`,
    );
    const { uploadConnectorTools } = await ok<{
      uploadConnectorTools: { connector: { catalogueHash: string } };
    }>(
      `mutation($id: ID!, $catalogue: String!) { uploadConnectorTools(id: $id, catalogue: $catalogue) { connector { catalogueHash } } }`,
      {
        id: createConnector.id,
        catalogue: JSON.stringify([
          { name: 'find_account', annotations: { readOnlyHint: true } },
          { name: 'update_account' },
        ]),
      },
    );
    await ok(
      `mutation($id: ID!, $hash: String!) { approveConnectorCatalogue(id: $id, catalogueHash: $hash) { id } }`,
      {
        id: createConnector.id,
        hash: uploadConnectorTools.connector.catalogueHash,
      },
    );
    const { createRole } = await ok<{ createRole: { id: string } }>(
      `mutation($connector: ID!) { createRole(input: { name: "CRM", capabilities: ["agent", "connectors"], connectorRules: [{ connectorId: $connector, read: allow, write: ask }] }) { id } }`,
      { connector: createConnector.id },
    );
    await ok(
      `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
      {
        role: createRole.id,
        user: alice.id,
      },
    );
    await api.jobs.drain();

    const enrolled = await fetch(`${api.url}/api/v1/endpoints/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolment.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user: alice.id,
        deviceName: 'laptop',
        os: 'macos',
        runtimeVersion: '0.1.0',
      }),
    });
    expect(enrolled.status).toBe(201);
    const endpoint = (await enrolled.json()) as Enrolled;
    const current = verify(endpoint, Buffer.from(await (await pull(api, endpoint)).arrayBuffer()));
    if (!current.ok) throw new Error(`bundle refused: ${current.reason}`);
    expect(current.bundle.policy.tools.crm).toEqual([
      ['find_account', 'update_account'],
      expect.any(Array),
    ]);

    // The database as the previous API left it: the newest bundle's policy is format 1, which a
    // runtime on the current code refuses.
    const previous = await storeAsPreviousApi(endpoint, formatOnePolicy(current.bundle.policy));
    expect(verify(endpoint, previous.envelope)).toMatchObject({ ok: false, reason: 'malformed' });

    // Upgraded replicas start with nothing cached; pulls reach two of them at once, one holding the
    // previous bundle's ETag as a runtime that accepted it would.
    replicas.push(await startTestApi(), await startTestApi());
    const pulls = await Promise.all([
      pull(replicas[0], endpoint, previous.etag),
      pull(replicas[1], endpoint),
      pull(replicas[0], endpoint),
    ]);
    const upgraded = [];
    for (const response of pulls) {
      expect(response.status).toBe(200);
      const result = verify(endpoint, Buffer.from(await response.arrayBuffer()));
      if (!result.ok) throw new Error(`bundle refused: ${result.reason}: ${result.detail}`);
      expect(response.headers.get('steward-bundle-version')).toBe(String(result.bundle.version));
      upgraded.push({ etag: response.headers.get('etag'), bundle: result.bundle });
    }
    const [first] = upgraded;
    expect(first.bundle.version).toBe(previous.version + 1);
    expect(first.bundle.policy.formatVersion).toBe(POLICY_FORMAT_VERSION);
    expect(first.bundle.policy).toEqual({ ...current.bundle.policy });
    expect(upgraded.map((u) => u.etag)).toEqual([first.etag, first.etag, first.etag]);

    const row = await api.prisma.endpoint.findUniqueOrThrow({ where: { id: endpoint.endpointId } });
    expect(row.bundleVersion).toBe(previous.version + 1);
    const publishes = await api.prisma.bundlePublish.findMany({
      where: { organizationId: org.id, reason: FORMAT_UPGRADE_REASON },
    });
    expect(publishes.map((p) => p.subjectCount)).toEqual([1]);
    const audit = await api.prisma.auditEvent.findFirstOrThrow({
      where: { organizationId: org.id, action: 'bundle.published', resourceId: publishes[0].id },
    });
    expect(audit.data).toMatchObject({ reason: FORMAT_UPGRADE_REASON, subjectCount: 1 });

    // Current now: no further version.
    for (const replica of replicas) {
      expect((await pull(replica, endpoint, first.etag!)).status).toBe(304);
    }
  });
});
