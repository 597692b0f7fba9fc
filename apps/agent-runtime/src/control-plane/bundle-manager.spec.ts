import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKey, signTrustSet } from '@steward/policy';
import {
  SUBJECT,
  enrolledState,
  makeOrg,
  makePolicy,
  rotateKey,
  signedBundle,
  type TestOrg,
} from '../../test-support/signed-bundles';
import { fakeControlPlane, type FakeControlPlane } from '../../test-support/fake-control-plane';
import { BundleManager } from './bundle-manager';
import { ControlPlaneClient } from './control-plane-client';
import type { StateStore } from './state-store';

describe('bundle handling: verify before use, keep the last good (attack tests)', () => {
  let dir: string;
  let org: TestOrg;
  let store: StateStore;
  let server: FakeControlPlane;
  let client: ControlPlaneClient;
  let bundles: BundleManager;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-bundles-'));
    org = makeOrg();
    server = await fakeControlPlane();
    store = enrolledState(dir, org, server.url);
    client = new ControlPlaneClient(server.url, 'stw_ep_test');
    bundles = new BundleManager(store, store.enrolment()!);
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function holdVersion(version: number) {
    server.bundle = signedBundle(org, makePolicy(), { version });
    server.etag = `"${version}"`;
    expect(await bundles.pull(client)).toMatchObject({ changed: true, verified: true, version });
  }

  function expectStillVersion(version: number) {
    const state = bundles.current();
    expect(state.usable && state.bundle.version).toBe(version);
  }

  it('accepts a valid bundle, then answers 304 with the stored ETag', async () => {
    await holdVersion(3);
    expect(await bundles.pull(client)).toMatchObject({ changed: false, version: 3 });
    expect(server.requests.at(-1)).toMatchObject({ ifNoneMatch: '"3"' });
    expectStillVersion(3);
  });

  it.each([
    [
      'tampered (one byte of the signed payload)',
      (bytes: Buffer) => {
        const envelope = JSON.parse(bytes.toString()) as { payload: string };
        const payload = Buffer.from(envelope.payload, 'base64url');
        payload[payload.indexOf('"version":') + 10] ^= 1;
        return Buffer.from(JSON.stringify({ ...envelope, payload: payload.toString('base64url') }));
      },
      'bad-signature',
    ],
    [
      'unsigned',
      (bytes: Buffer) =>
        Buffer.from(JSON.stringify({ ...JSON.parse(bytes.toString()), signature: '' })),
      'unsigned',
    ],
  ])(
    'refuses a %s bundle from the server and keeps the last good',
    async (_name, forge, reason) => {
      await holdVersion(3);
      server.bundle = forge(signedBundle(org, makePolicy(), { version: 4 }));
      server.etag = '"4"';
      expect(await bundles.pull(client)).toMatchObject({ verified: false, reason });
      expectStillVersion(3);
    },
  );

  it('refuses expired, rolled-back, foreign-organization and other-subject bundles from the server', async () => {
    await holdVersion(3);
    const other = makeOrg('22222222-2222-4222-8222-222222222222');
    const cases: [Buffer, string][] = [
      [
        signedBundle(org, makePolicy(), {
          version: 4,
          expiresAt: new Date(Date.now() - 1000).toISOString(),
        }),
        'expired',
      ],
      [signedBundle(org, makePolicy(), { version: 2 }), 'rollback'],
      [signedBundle(other, makePolicy(), { version: 4 }), 'unknown-key'],
      [signedBundle(org, makePolicy(), { version: 4, org: other.id }), 'wrong-org'],
      [
        signedBundle(org, makePolicy(), {
          version: 4,
          subject: { ...SUBJECT, endpointId: '55555555-5555-4555-8555-555555555555' },
        }),
        'wrong-subject',
      ],
    ];
    for (const [bytes, reason] of cases) {
      server.bundle = bytes;
      server.etag = `"forged-${reason}"`;
      expect(await bundles.pull(client)).toMatchObject({ verified: false, reason });
      expectStillVersion(3);
    }
    await bundles.reportStatus(client, await bundles.pull(client));
    expect(server.statuses.at(-1)).toMatchObject({
      bundleVersion: 3,
      verified: false,
      reason: 'wrong-subject',
    });
  });

  it('refuses tampered, swapped-in older and foreign bundles on disk', async () => {
    await holdVersion(3);
    const good = store.bundleBytes()!;
    const record = store.bundleRecord()!;
    const tampered = Buffer.from(good);
    tampered[Math.floor(tampered.length / 2)] ^= 1;
    const onDisk: [Buffer, string][] = [
      [tampered, 'malformed|bad-signature'],
      [signedBundle(org, makePolicy(), { version: 2 }), 'rollback'],
      [signedBundle(makeOrg(), makePolicy(), { version: 5 }), 'unknown-key'],
    ];
    for (const [bytes, reasons] of onDisk) {
      fs.writeFileSync(path.join(dir, 'bundle.json'), bytes);
      const state = bundles.current();
      expect(state.usable).toBe(false);
      expect(!state.usable && state.reason).toMatch(new RegExp(`^(${reasons})$`));
    }
    store.saveBundle(good, record);
    expectStillVersion(3);
  });

  it('refuses a bundle whose connector address was redirected after signing, from the server and on disk', async () => {
    const crm = { command: '/usr/bin/crm-mcp', args: ['--stdio'], version: '2.4.0' };
    const role = { capabilities: ['agent', 'connectors'] };
    server.bundle = signedBundle(org, makePolicy(role, { crm }), { version: 3 });
    expect(await bundles.pull(client)).toMatchObject({ verified: true, version: 3 });
    const state = bundles.current();
    expect(state.usable && state.bundle.policy.connectors.crm).toEqual({
      transport: 'stdio',
      ...crm,
    });

    // The signed header is untouched; only the attached policy's address is pointed elsewhere.
    const redirect = (bytes: Buffer) => {
      const envelope = JSON.parse(bytes.toString('utf8')) as { attachment: string };
      const policy = JSON.parse(Buffer.from(envelope.attachment, 'base64url').toString('utf8')) as {
        connectors: Record<string, unknown>;
      };
      policy.connectors.crm = { ...crm, transport: 'stdio', command: '/tmp/evil' };
      envelope.attachment = Buffer.from(JSON.stringify(policy)).toString('base64url');
      return Buffer.from(JSON.stringify(envelope));
    };
    const good = store.bundleBytes()!;
    const record = store.bundleRecord()!;
    server.bundle = redirect(signedBundle(org, makePolicy(role, { crm }), { version: 4 }));
    server.etag = '"redirected"';
    expect(await bundles.pull(client)).toMatchObject({ verified: false, reason: 'bad-signature' });
    expectStillVersion(3);

    fs.writeFileSync(path.join(dir, 'bundle.json'), redirect(good));
    const onDisk = bundles.current();
    expect(onDisk.usable).toBe(false);
    expect(!onDisk.usable && onDisk.reason).toBe('bad-signature');
    store.saveBundle(good, record);
    expectStillVersion(3);
  });

  it('runs on the last good bundle while the control plane is down, and refuses after it expires', async () => {
    await holdVersion(3);
    await server.close();
    await expect(bundles.pull(client)).rejects.toMatchObject({ unreachable: true });
    expectStillVersion(3);
    const expiresAt = Date.parse(
      (bundles.current() as { bundle: { expiresAt: string } }).bundle.expiresAt,
    );
    const later = new BundleManager(store, store.enrolment()!, () => new Date(expiresAt + 1));
    expect(later.current()).toMatchObject({ usable: false, reason: 'expired' });
    server = await fakeControlPlane();
  });

  it('syncs through a flaky network with growing back-off, then stops on abort', async () => {
    server.bundle = signedBundle(org, makePolicy(), { version: 7 });
    server.etag = '"7"';
    server.failNext = 3;
    const delays: number[] = [];
    const stop = new AbortController();
    await bundles.sync(client, {
      signal: stop.signal,
      waitSeconds: 1,
      sleep: async (ms) => void delays.push(ms),
      onPull: (outcome) => {
        if (outcome.changed) stop.abort();
      },
    });
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBeLessThanOrEqual(1000);
    expect(delays[2]).toBeGreaterThanOrEqual(2000);
    expectStillVersion(7);
    expect(server.requests.some((r) => r.url.includes('wait=1'))).toBe(true);
    expect(server.statuses.at(-1)).toMatchObject({ bundleVersion: 7, verified: true });
  });

  it('stops syncing on 401: only re-enrolment helps', async () => {
    server.unauthorized = true;
    await expect(
      bundles.sync(client, { signal: new AbortController().signal, sleep: async () => undefined }),
    ).rejects.toMatchObject({ status: 401, code: 'endpoint_unauthenticated' });
  });

  it('follows a key rotation announced in a trust-set update signed by the outgoing and the new key', async () => {
    await holdVersion(3);
    const rogue = generateSigningKey();
    const forgedUpdate = signTrustSet(
      {
        formatVersion: 1,
        kind: 'trust-set',
        org: org.id,
        version: 2,
        issuedAt: new Date().toISOString(),
        keys: [{ keyId: rogue.keyId, publicKey: rogue.publicKey, status: 'active' }],
      },
      rogue,
    );
    server.trustSetVersion = 2;
    server.trustUpdates = [forgedUpdate.toString()];
    server.bundle = signedBundle(org, makePolicy(), { version: 4 }, rogue);
    server.etag = '"4-rogue"';
    await expect(bundles.pull(client)).rejects.toThrow(/trust-set update refused/);
    expectStillVersion(3);

    const rotated = rotateKey(org, { notAfter: new Date(Date.now() + 86_400_000) });
    server.trustUpdates = [rotated.toString()];
    server.bundle = signedBundle(org, makePolicy(), { version: 4 });
    server.etag = '"4"';
    expect(await bundles.pull(client)).toMatchObject({ verified: true, version: 4 });
    expect(bundles.trustSet().version).toBe(2);
  });
});
