import { Inject, Injectable } from '@nestjs/common';
import { generateSigningKey, signingKeyFromDer, signTrustSet } from '@steward/policy';
import type { SigningKey as Signer, TrustSet } from '@steward/policy';
import type { SigningKey } from '../../generated/prisma/client';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { resolveSecretKey, SecretBox } from '../../platform/crypto/secret-key';
import { AuditService } from '../audit/audit.service';
import type { ActorType } from '../audit/audit.service';
import { BundleError, BundleErrorCode } from './bundle.errors';
import { BundlesClock } from './bundles-clock';
import { SigningKeysRepository } from './signing-keys.repository';
import type { KeysTx } from './signing-keys.repository';

export interface KeyActor {
  type: ActorType;
  id?: string;
}

// Trust sets in one catch-up answer: an endpoint that slept through many rotations pages through
// them, so no answer outgrows what the runtime reads (1 MiB).
const TRUST_SETS_PER_ANSWER = 100;

export interface SignedTrustSet {
  version: number;
  envelope: Buffer;
}

// An organization's bundle-signing keys and its signed trust set. Private keys are sealed with
// AES-256-GCM under a key derived from the installation secret, bound to their key id.
@Injectable()
export class SigningKeysService {
  private readonly box: SecretBox;
  // Unsealed signers by key id: a publish batch signs thousands of bundles with one key.
  private readonly signers = new Map<string, Signer>();

  constructor(
    private readonly keys: SigningKeysRepository,
    private readonly audit: AuditService,
    private readonly clock: BundlesClock,
    @Inject(CONFIG) private readonly config: Config,
  ) {
    this.box = new SecretBox(resolveSecretKey(config), 'bundle-signing-keys');
  }

  list(organizationId: string): Promise<SigningKey[]> {
    return this.keys.list(organizationId);
  }

  // The key that signs new bundles; the organization's first key is made on first use.
  // The id of the key that signs now, read in the caller's transaction (a publish, under its lock).
  async activeKeyId(organizationId: string, tx: KeysTx): Promise<string | null> {
    return (await this.keys.findActive(organizationId, tx))?.keyId ?? null;
  }

  async activeSigner(organizationId: string): Promise<Signer> {
    const active =
      (await this.keys.findActive(organizationId)) ??
      (await this.keys.transaction(organizationId, async (tx) => {
        const existing = (await this.keys.list(organizationId, tx)).find(
          (key) => key.status === 'active',
        );
        if (existing) return existing;
        const created = await this.createKey(tx, organizationId);
        await this.publishTrustSet(tx, organizationId, [created]);
        await this.audit.record(
          organizationId,
          {
            actorType: 'system',
            action: 'signing_key.created',
            resourceType: 'signing_key',
            resourceId: created.keyId,
          },
          tx,
        );
        return created;
      }));
    return this.signerOf(active);
  }

  // The trust sets after `since`, in order, at most `limit` of them: what an endpoint holding
  // `since` applies next (it asks again from the last one until none is left).
  async trustSetsSince(
    organizationId: string,
    since: number,
    limit = TRUST_SETS_PER_ANSWER,
  ): Promise<SignedTrustSet[]> {
    await this.activeSigner(organizationId);
    const rows = await this.keys.trustSetsSince(organizationId, since, limit);
    return rows.map((row) => ({ version: row.version, envelope: Buffer.from(row.envelope) }));
  }

  async latestTrustSetVersion(organizationId: string): Promise<number> {
    return this.keys.latestTrustSetVersion(this.keys.client, organizationId);
  }

  async latestTrustSet(organizationId: string): Promise<SignedTrustSet> {
    const version = await this.latestTrustSetVersion(organizationId);
    const [latest] = await this.trustSetsSince(organizationId, version - 1, 1);
    return latest!;
  }

  // A new active key, announced by a trust set signed by the current key (which endpoints trust)
  // and by the new one (so the set stays valid once the current key retires); the current key
  // keeps verifying bundles, as retiring, for the grace period.
  async rotate(organizationId: string, actor: KeyActor, graceHours?: number): Promise<SigningKey> {
    await this.activeSigner(organizationId);
    const grace = graceHours ?? this.config.SIGNING_KEY_GRACE_HOURS;
    return this.keys.transaction(organizationId, async (tx) => {
      const current = (await this.keys.list(organizationId, tx)).find((k) => k.status === 'active');
      if (!current)
        throw new BundleError(BundleErrorCode.NoActiveKey, 'the organization has no active key');
      const notAfter = new Date(this.clock.now().getTime() + grace * 3_600_000);
      await this.keys.setStatus(tx, organizationId, current.id, { status: 'retiring', notAfter });
      const created = await this.createKey(tx, organizationId);
      const version = await this.publishTrustSet(tx, organizationId, [current, created]);
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'signing_key.rotated',
          resourceType: 'signing_key',
          resourceId: created.keyId,
          data: {
            retired: current.keyId,
            notAfter: notAfter.toISOString(),
            trustSetVersion: version,
          },
        },
        tx,
      );
      return created;
    });
  }

  // A compromised key: revoked in a new trust set, never to verify again. When it was the active
  // key a new one replaces it. The set follows the rotation rule: signed by the key that was active
  // (the one endpoints follow from, even when it is the revoked key) and by the key active now.
  async revoke(organizationId: string, keyId: string, actor: KeyActor): Promise<SigningKey> {
    return this.keys.transaction(organizationId, async (tx) => {
      const keys = await this.keys.list(organizationId, tx);
      const target = keys.find((key) => key.keyId === keyId);
      if (!target) throw new BundleError(BundleErrorCode.KeyNotFound, `no signing key ${keyId}`);
      if (target.status === 'revoked') {
        throw new BundleError(
          BundleErrorCode.KeyAlreadyRevoked,
          `signing key ${keyId} is already revoked`,
        );
      }
      const outgoing = keys.find((key) => key.status === 'active');
      if (!outgoing)
        throw new BundleError(BundleErrorCode.NoActiveKey, 'the organization has no active key');
      const revoked = await this.keys.setStatus(tx, organizationId, target.id, {
        status: 'revoked',
        revokedAt: this.clock.now(),
      });
      const incoming =
        target.id === outgoing.id ? await this.createKey(tx, organizationId) : outgoing;
      const version = await this.publishTrustSet(tx, organizationId, [outgoing, incoming]);
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'signing_key.revoked',
          resourceType: 'signing_key',
          resourceId: keyId,
          data: {
            replacedBy: incoming.id === outgoing.id ? null : incoming.keyId,
            trustSetSignedBy: [...new Set([outgoing.keyId, incoming.keyId])],
            trustSetVersion: version,
          },
        },
        tx,
      );
      return revoked;
    });
  }

  private async createKey(tx: KeysTx, organizationId: string): Promise<SigningKey> {
    const generated = generateSigningKey();
    return this.keys.create(tx, {
      organizationId,
      keyId: generated.keyId,
      publicKey: generated.publicKey,
      encryptedPrivateKey: this.box.seal(
        generated.privateKeyDer,
        sealContext(organizationId, generated.keyId),
      ),
    });
  }

  // The organization's keys as they now stand, signed by each of `signers`, as the next version.
  // A retiring key whose grace has ended verifies nothing any more and is left out (unlisted keys
  // are untrusted), so a set does not grow with every rotation ever made; revoked keys stay listed
  // as revoked, as the trust chain requires.
  private async publishTrustSet(tx: KeysTx, organizationId: string, signers: SigningKey[]) {
    const now = this.clock.now();
    const keys = (await this.keys.list(organizationId, tx)).filter(
      (key) => key.status !== 'retiring' || !key.notAfter || key.notAfter > now,
    );
    const previous = await this.keys.latestTrustSetVersion(tx, organizationId);
    const trustSet: TrustSet = {
      formatVersion: 1,
      kind: 'trust-set',
      org: organizationId,
      version: previous + 1,
      issuedAt: this.clock.now().toISOString(),
      keys: keys.map((key) => ({
        keyId: key.keyId,
        publicKey: key.publicKey,
        status: key.status,
        ...(key.notAfter ? { notAfter: key.notAfter.toISOString() } : {}),
      })),
    };
    const envelope = signTrustSet(
      trustSet,
      signers.map((signer) => this.signerOf(signer)),
    );
    await this.keys.addTrustSet(tx, organizationId, trustSet.version, envelope);
    return trustSet.version;
  }

  private signerOf(key: SigningKey): Signer {
    let signer = this.signers.get(key.keyId);
    if (!signer) {
      const der = this.box.open(
        Buffer.from(key.encryptedPrivateKey),
        sealContext(key.organizationId, key.keyId),
      );
      signer = signingKeyFromDer(key.keyId, der);
      this.signers.set(key.keyId, signer);
    }
    return signer;
  }
}

function sealContext(organizationId: string, keyId: string): string {
  return `${organizationId}/${keyId}`;
}
