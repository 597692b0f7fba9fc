import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSigningKey, signTrustSet } from '@steward/policy';
import { fakeControlPlane, type FakeControlPlane } from '../../test-support/fake-control-plane';
import {
  enrolledState,
  makeOrg,
  makePolicy,
  rotateKey,
  signedBundle,
  type TestOrg,
} from '../../test-support/signed-bundles';
import { BundleManager } from './bundle-manager';
import { ControlPlaneClient } from './control-plane-client';
import type { StateStore } from './state-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Attack tests of what the endpoint trusts: the trust set is followed from the anchor pinned at
// enrolment through signed rotations, whatever became of older keys, and nothing written into the
// state folder widens it. Judged by what the runtime accepts and stores, with its clock moved.
describe('trust chain on the endpoint (attack tests)', () => {
  let dir: string;
  let org: TestOrg;
  let store: StateStore;
  let server: FakeControlPlane;
  let client: ControlPlaneClient;
  const start = Date.now();

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-trust-'));
    org = makeOrg();
    server = await fakeControlPlane();
    store = enrolledState(dir, org, server.url);
    client = new ControlPlaneClient(server.url, 'stw_ep_test');
    server.bundle = signedBundle(org, makePolicy(), { version: 3 });
    server.etag = '"3"';
    expect(await manager().pull(client)).toMatchObject({ verified: true, version: 3 });
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function manager(now = start): BundleManager {
    return new BundleManager(store, store.enrolment()!, () => new Date(now));
  }

  function serve(version: number) {
    server.trustSetVersion = org.trustSet.version;
    server.trustUpdates = org.updates.map((update) => update.toString());
    server.bundle = signedBundle(org, makePolicy(), {
      version,
      issuedAt: new Date(start).toISOString(),
      expiresAt: new Date(start + 7 * DAY).toISOString(),
    });
    server.etag = `"${version}"`;
  }

  it.each([1, 2, 3])(
    'an endpoint asleep through %i rotation(s), woken past every grace period, keeps working',
    async (rotations) => {
      for (let i = 0; i < rotations; i += 1) {
        rotateKey(org, { notAfter: new Date(start + (i + 1) * HOUR) });
      }
      serve(4);
      const woken = start + 2 * DAY;
      expect(await manager(woken).pull(client)).toMatchObject({ verified: true, version: 4 });
      // Re-verified from disk, as before every session: the stored chain still leads to the key.
      const state = manager(woken).current();
      expect(state).toMatchObject({ usable: true, bundle: { version: 4, keyId: org.key.keyId } });
      expect(manager(woken).trustSet().version).toBe(rotations + 1);
    },
  );

  it('follows a revocation of the active key the same way, and refuses the revoked key after', async () => {
    const revoked = org.key;
    rotateKey(org, { notAfter: new Date(start), revoke: true });
    serve(4);
    const woken = start + 2 * DAY;
    expect(await manager(woken).pull(client)).toMatchObject({ verified: true, version: 4 });
    expect(manager(woken).current()).toMatchObject({ usable: true });
    const byRevoked = signedBundle(org, makePolicy(), { version: 5 }, revoked);
    expect(manager(woken).accept(byRevoked, '"5"')).toMatchObject({
      verified: false,
      reason: 'revoked-key',
    });
  });

  it.each([
    ['a retired key', false, /retired-key/],
    ['a revoked key', true, /revoked-key/],
  ])(
    'refuses a trust set signed only by %s, keeping what it trusts',
    async (_name, revoke, why) => {
      const goneKey = org.key;
      rotateKey(org, { notAfter: new Date(start + HOUR), revoke });
      serve(4);
      const woken = start + 2 * DAY;
      expect(await manager(woken).pull(client)).toMatchObject({ verified: true, version: 4 });
      // The key that went out signs the next set alone, naming a new key of the signer's choosing.
      rotateKey(org, { notAfter: new Date(start + 3 * HOUR), signers: () => [goneKey] });
      serve(5);
      await expect(manager(woken).pull(client)).rejects.toThrow(why);
      expect(manager(woken).trustSet().version).toBe(2);
      expect(manager(woken).current()).toMatchObject({ usable: true, bundle: { version: 4 } });
    },
  );

  it('trusts nothing planted in the state folder: a self-signed set of another key changes nothing', async () => {
    const rogue = generateSigningKey();
    const planted = signTrustSet(
      {
        formatVersion: 1,
        kind: 'trust-set',
        org: org.id,
        version: 2,
        issuedAt: new Date(start).toISOString(),
        keys: [{ keyId: rogue.keyId, publicKey: rogue.publicKey, status: 'active' }],
      },
      rogue,
    );
    // Every trust file a session could aim at, written as it would write them.
    fs.writeFileSync(path.join(dir, 'trust-set.json'), planted);
    fs.writeFileSync(path.join(dir, 'trust-chain.json'), JSON.stringify([planted.toString()]));
    const forged = signedBundle(org, makePolicy(), { version: 9 }, rogue);
    let accepted: unknown;
    try {
      accepted = manager().accept(forged, '"9"');
    } catch (error) {
      accepted = { verified: false, error: (error as Error).message };
    }
    expect(accepted).toMatchObject({ verified: false });
    const state = manager().current();
    expect(state.usable && state.bundle.keyId).not.toBe(rogue.keyId);
    expect(fs.readFileSync(path.join(dir, 'bundle.json'))).not.toEqual(forged);
  });
});
