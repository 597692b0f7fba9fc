import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleEnvelope, verifyTrustSetUpdate, type TrustSet } from '@steward/policy';
import { BundlesClock } from '../../apps/admin-api/src/modules/bundles/bundles-clock';
import { BundlesService } from '../../apps/admin-api/src/modules/bundles/bundles.service';
import { SigningKeysService } from '../../apps/admin-api/src/modules/bundles/signing-keys.service';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { JobName } from '../../apps/admin-api/src/platform/jobs/job-names';
import { BundleManager } from '../../apps/agent-runtime/src/control-plane/bundle-manager';
import { ControlPlaneClient } from '../../apps/agent-runtime/src/control-plane/control-plane-client';
import { enrolEndpoint } from '../../apps/agent-runtime/src/control-plane/enrolment';
import { EventSpool } from '../../apps/agent-runtime/src/control-plane/event-spool';
import { StateStore } from '../../apps/agent-runtime/src/control-plane/state-store';
import { ScriptedModel } from '../../apps/agent-runtime/src/session/models/scripted-model';
import { runSession } from '../../apps/agent-runtime/src/session/session-runner';
import { parseGrant } from '../../apps/agent-runtime/src/tools/files/granted-folders';
import { FixedApprover } from '../../apps/agent-runtime/test-support/fixed-approver';
import { graphql, signInAdmin, type AdminSession } from '../support/admin-session';
import { startTestApi, type TestApi } from '../support/api';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// The key life cycle against the real control plane and the real runtime code, with the runtime's
// clock (and, for renewal, the API's) moved: rotations and revocations never lock out an endpoint
// that slept through them, nor a new enrolment; scheduled re-signing renews bundles in time.
describe('signing-key rotation never locks endpoints out', () => {
  let api: TestApi;
  let base: string;

  beforeAll(async () => {
    api = await startTestApi();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-keys-')));
  });

  afterAll(async () => {
    await api?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  interface Org {
    id: string;
    token: string;
    admin: AdminSession;
    work: string;
  }

  async function organization(): Promise<Org> {
    const org = await api.get(OrganizationsService).create(`Keys ${Math.random()}`, {
      type: 'operator',
    });
    const token = await api
      .get(CredentialsService)
      .issue(org.id, 'enrolment', { actor: { type: 'operator' } });
    const work = fs.mkdtempSync(path.join(base, 'work-'));
    fs.writeFileSync(path.join(work, 'notes.md'), 'notes');
    const admin = await signInAdmin(api, org.id, 'owner');
    await graphql(
      api,
      admin,
      'mutation { setAutoApprovePlansAllowed(allowed: true) { autoApprovePlansAllowed } }',
    );
    const role = await graphql<{ createRole: { id: string } }>(
      api,
      admin,
      'mutation($input: RoleInput!) { createRole(input: $input) { id } }',
      {
        input: {
          name: 'Workers',
          capabilities: ['agent', 'auto_approve_plans'],
          folderRoots: [{ pattern: work, access: 'read_write' }],
        },
      },
    );
    expect(role.errors).toBeUndefined();
    for (const userName of ['alice@example.com', 'bob@example.com']) {
      const user = await api.prisma.directoryUser.create({
        data: { organizationId: org.id, userName, userNameLower: userName },
      });
      await graphql(
        api,
        admin,
        'mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }',
        { role: role.data!.createRole.id, user: user.id },
      );
    }
    await api.jobs.drain();
    return { id: org.id, token: token.secret, admin, work };
  }

  interface Endpoint {
    store: StateStore;
    client: ControlPlaneClient;
    at(now: number): BundleManager;
  }

  async function enrol(org: Org, user: string): Promise<Endpoint> {
    const store = new StateStore(fs.mkdtempSync(path.join(base, 'state-')));
    const enrolment = await enrolEndpoint(store, {
      server: api.url,
      token: org.token,
      user,
      deviceName: 'laptop',
      os: 'linux',
    });
    return {
      store,
      client: new ControlPlaneClient(api.url, enrolment.credential),
      at: (now) => new BundleManager(store, enrolment, () => new Date(now)),
    };
  }

  async function rotate(org: Org): Promise<string> {
    const rotated = await graphql<{ rotateSigningKey: { keyId: string } }>(
      api,
      org.admin,
      'mutation { rotateSigningKey(graceHours: 1) { keyId } }',
    );
    expect(rotated.errors).toBeUndefined();
    return rotated.data!.rotateSigningKey.keyId;
  }

  // A session on the endpoint's verified bundle at `now`, judged by the file it writes.
  async function runs(org: Org, endpoint: Endpoint, now: number, file: string) {
    const bundle = endpoint.at(now).current();
    const outcome = await runSession(
      {
        task: 'write',
        grants: [parseGrant(org.work)],
        approve: 'auto',
        model: new ScriptedModel({
          steps: [{ tool: 'write_file', input: { path: file, content: 'ran' } }, { final: 'ok' }],
        }),
      },
      {
        enrolment: endpoint.store.enrolment()!,
        bundle,
        sink: new EventSpool(endpoint.store.spoolDir()),
        approver: new FixedApprover(false, false),
        json: null,
        log: () => undefined,
      },
    );
    expect(outcome.outcome).toBe('completed');
    expect(fs.readFileSync(path.join(org.work, file), 'utf8')).toBe('ran');
  }

  async function trustSets(org: Org, since: number): Promise<string[]> {
    const endpoint = await enrol(org, 'bob@example.com');
    return (await endpoint.client.trustSetUpdates(since)).updates;
  }

  it.each([1, 2, 3])(
    'after %i rotation(s), past every grace period, a sleeping endpoint pulls and runs, and a new one enrols',
    async (rotations) => {
      const org = await organization();
      const sleeper = await enrol(org, 'alice@example.com');
      const start = Date.now();
      expect(await sleeper.at(start).pull(sleeper.client)).toMatchObject({ verified: true });
      let newest = '';
      for (let i = 0; i < rotations; i += 1) newest = await rotate(org);
      await api.jobs.drain();

      const woken = start + 2 * HOUR;
      expect(await sleeper.at(woken).pull(sleeper.client)).toMatchObject({ verified: true });
      expect(sleeper.at(woken).current()).toMatchObject({
        usable: true,
        bundle: { keyId: newest },
      });
      expect(sleeper.at(woken).trustSet().version).toBe(rotations + 1);
      await runs(org, sleeper, woken, `sleeper-${rotations}.md`);

      const newcomer = await enrol(org, 'bob@example.com');
      expect(await newcomer.at(woken).pull(newcomer.client)).toMatchObject({ verified: true });
      await runs(org, newcomer, woken, `newcomer-${rotations}.md`);

      // Each set the API published is signed by the outgoing and the incoming key: stripped of the
      // incoming key's signature (signed only by the key that retired) it is refused.
      const updates = await trustSets(org, 1);
      expect(updates).toHaveLength(rotations);
      let held = verifyTrustSetUpdate(Buffer.from(sleeper.store.enrolment()!.trustAnchor), {
        held: null,
        expectedOrg: org.id,
      });
      for (const update of updates) {
        if (!held.ok) throw new Error(held.detail);
        const { cosignatures: _dropped, ...outgoingOnly } = JSON.parse(update) as {
          cosignatures?: unknown;
        };
        expect(
          verifyTrustSetUpdate(Buffer.from(JSON.stringify(outgoingOnly)), {
            held: held.trustSet,
            expectedOrg: org.id,
          }),
        ).toMatchObject({ ok: false, reason: 'not-cosigned' });
        held = verifyTrustSetUpdate(Buffer.from(update), {
          held: held.trustSet,
          expectedOrg: org.id,
        });
      }
      expect(held.ok).toBe(true);
    },
  );

  it('an endpoint that slept through 110 rotations catches up a page at a time, and sets list no key past its grace', async () => {
    const org = await organization();
    const sleeper = await enrol(org, 'alice@example.com');
    const start = Date.now();
    expect(await sleeper.at(start).pull(sleeper.client)).toMatchObject({ verified: true });
    const keys = api.get(SigningKeysService);
    for (let i = 0; i < 109; i += 1) {
      await keys.rotate(org.id, { type: 'operator' }, 0);
    }
    const newest = await rotate(org);
    await api.jobs.drain();

    // The first answer holds a page of the 110 sets; each lists the active key, the one retiring
    // within its grace (none for a grace of 0) and no other.
    const firstPage = (await sleeper.client.trustSetUpdates(1)).updates;
    expect(firstPage).toHaveLength(100);
    const listed = firstPage.map((update) => {
      const { payload } = JSON.parse(update) as { payload: string };
      return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TrustSet).keys;
    });
    expect(Math.max(...listed.map((set) => set.length))).toBe(1);

    const later = start + 5 * 60_000;
    expect(await sleeper.at(later).pull(sleeper.client)).toMatchObject({ verified: true });
    expect(sleeper.at(later).trustSet()).toMatchObject({ version: 111 });
    expect(
      sleeper
        .at(later)
        .trustSet()
        .keys.map((key) => key.status)
        .sort(),
    ).toEqual(['active', 'retiring']);
    expect(sleeper.at(later).current()).toMatchObject({ usable: true, bundle: { keyId: newest } });
    await runs(org, sleeper, later, 'after-110-rotations.md');
  });

  it('revoking the active key follows the same rule: sleeping endpoints follow, the revoked key verifies nothing', async () => {
    const org = await organization();
    const sleeper = await enrol(org, 'alice@example.com');
    const start = Date.now();
    expect(await sleeper.at(start).pull(sleeper.client)).toMatchObject({ verified: true });
    await rotate(org);
    await api.jobs.drain();
    const compromised = await activeKeyId(org);
    const revoked = await graphql(
      api,
      org.admin,
      'mutation($keyId: String!) { revokeSigningKey(keyId: $keyId) { status } }',
      { keyId: compromised },
    );
    expect(revoked.errors).toBeUndefined();
    await api.jobs.drain();

    const woken = start + 2 * HOUR;
    expect(await sleeper.at(woken).pull(sleeper.client)).toMatchObject({ verified: true });
    const trusted: TrustSet = sleeper.at(woken).trustSet();
    expect(trusted.version).toBe(3);
    expect(trusted.keys.find((k) => k.keyId === compromised)?.status).toBe('revoked');
    await runs(org, sleeper, woken, 'after-revocation.md');
    // A bundle the compromised key signed (kept in the history) verifies nowhere any more.
    const signedByRevoked = await api.prisma.policyBundle.findFirst({
      where: { organizationId: org.id, keyId: compromised },
    });
    const blob = await api.prisma.policyBlob.findFirst({
      where: { organizationId: org.id, digest: signedByRevoked!.policyDigest },
    });
    const replayed = assembleEnvelope(
      'policy-bundle',
      compromised,
      Buffer.from(signedByRevoked!.payload),
      Buffer.from(signedByRevoked!.signature),
      Buffer.from(blob!.bytes),
    );
    expect(sleeper.at(woken).accept(replayed, null)).toMatchObject({
      verified: false,
      reason: 'revoked-key',
    });
    const newcomer = await enrol(org, 'bob@example.com');
    expect(await newcomer.at(woken).pull(newcomer.client)).toMatchObject({ verified: true });
  });

  it('re-signs bundles past half their life, so an endpoint pulling after the first expiry still works', async () => {
    const org = await organization();
    const endpoint = await enrol(org, 'alice@example.com');
    const start = Date.now();
    const first = await endpoint.at(start).pull(endpoint.client);
    expect(first).toMatchObject({ verified: true });
    const firstExpiry = Date.parse(
      (endpoint.at(start).current() as { bundle: { expiresAt: string } }).bundle.expiresAt,
    );
    const clock = api.get(BundlesClock);
    const serverNow = start + (firstExpiry - start) * 0.6;
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(serverNow));
    try {
      await api.jobs.enqueue(JobName.BundlesRenew, {});
      await api.jobs.drain();
    } finally {
      jest.restoreAllMocks();
    }
    const newest = await api.prisma.policyBundle.findFirst({
      where: { organizationId: org.id },
      orderBy: { version: 'desc' },
    });
    expect(newest!.version).toBe(first.version! + 1);
    expect(newest!.expiresAt.getTime()).toBeGreaterThan(firstExpiry);
    const afterFirstExpiry = firstExpiry + HOUR;
    expect(await endpoint.at(afterFirstExpiry).pull(endpoint.client)).toMatchObject({
      verified: true,
      version: first.version! + 1,
    });
    await runs(org, endpoint, afterFirstExpiry, 'renewed.md');
    expect(afterFirstExpiry - start).toBeGreaterThan(6 * DAY);
  });

  // The key id of the organization's active key, as the console lists it.
  async function activeKeyId(org: Org): Promise<string> {
    const keys = await graphql<{ signingKeys: { keyId: string; status: string }[] }>(
      api,
      org.admin,
      '{ signingKeys { keyId status } }',
    );
    return keys.data!.signingKeys.find((key) => key.status === 'active')!.keyId;
  }

  it('signs with the new key a publish that read the signing key before a rotation committed', async () => {
    const org = await organization();
    await enrol(org, 'alice@example.com');
    const keys = api.get(SigningKeysService);
    const before = await keys.activeSigner(org.id);
    const rotated = await graphql<{ rotateSigningKey: { keyId: string } }>(
      api,
      org.admin,
      'mutation { rotateSigningKey(graceHours: 1) { keyId } }',
    );
    const newest = rotated.data!.rotateSigningKey.keyId;
    expect(newest).not.toBe(before.keyId);
    // A publish that began before the rotation: it read the retiring key, then the rotation and
    // its republish committed before it took the publish lock.
    const stale = jest.spyOn(keys, 'activeSigner').mockResolvedValueOnce(before);
    try {
      await api.get(BundlesService).publishForUsers(org.id, 'all', 'test.stale_signer', {
        type: 'system',
      });
    } finally {
      stale.mockRestore();
    }
    const bundles = await api.prisma.policyBundle.findMany({
      where: { organizationId: org.id },
      orderBy: { version: 'desc' },
      take: 1,
    });
    expect(bundles.map((bundle) => bundle.keyId)).toEqual([newest]);
  });
});
