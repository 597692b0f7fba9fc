import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  assembleEnvelope,
  compilePolicy,
  encodePolicy,
  POLICY_FORMAT_VERSION,
  policyDigest,
  policyFormatOf,
  signPayload,
} from '@steward/policy';
import type {
  BundleHeader,
  CompiledPolicy,
  SpendSettings,
  TelemetrySettings,
} from '@steward/policy';
import { createHash } from 'node:crypto';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import type { ActorType } from '../audit/audit.service';
import { DirectoryService } from '../directory/directory.service';
import { BUNDLES_PUBLISHED_CHANNEL, SUBJECTS_PER_MESSAGE } from './bundle-events';
import type { BundlesPublished } from './bundle-events';
import { BundleError } from './bundle.errors';
import { BundlesRepository } from './bundles.repository';
import type { NewBundle, Subject } from './bundles.repository';
import { SigningKeysService } from './signing-keys.service';

// Where compiled policies and the organization's endpoint spend settings come from: the
// governance module.
export interface PolicySource {
  compileForUser(organizationId: string, userId: string): Promise<CompiledPolicy>;
  spendSettings(organizationId: string): Promise<SpendSettings>;
}
export const POLICY_SOURCE = Symbol('PolicySource');

// Until the organization configures telemetry export (the telemetry issue), events go to the
// control plane only and leave the endpoint unredacted.
const TELEMETRY: TelemetrySettings = {
  controlPlane: true,
  otlp: null,
  redaction: { prompts: 'keep', commands: 'keep', paths: 'keep' },
};

// Signed bundles each subject keeps: the latest plus history for the console.
export const BUNDLE_HISTORY = 10;

// Publish reason of a bundle recompiled because its stored policy is in an older compiled format.
export const FORMAT_UPGRADE_REASON = 'policy.format_upgrade';

export interface PublishResult {
  publishId: string | null;
  published: number;
  unchanged: number;
}

export interface ServedBundle {
  version: number;
  etag: string;
  body: Buffer;
}

@Injectable()
export class BundlesService {
  private readonly logger = new Logger('Bundles');
  // Per organization, the subjects waiting for a format upgrade and the upgrade publish running.
  private readonly upgrades = new Map<
    string,
    { waiting: Set<string>; next: Promise<void> | null; running: Promise<void> | null }
  >();

  constructor(
    private readonly bundles: BundlesRepository,
    private readonly keys: SigningKeysService,
    private readonly directory: DirectoryService,
    private readonly audit: AuditService,
    @Inject(POLICY_SOURCE) private readonly policies: PolicySource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  publishForUsers(
    organizationId: string,
    userIds: string[] | 'all',
    reason: string,
    actor: { type: ActorType; id?: string } = { type: 'system' },
  ): Promise<PublishResult> {
    return this.bundles
      .subjects(organizationId, userIds)
      .then((subjects) => this.publish(organizationId, subjects, reason, actor));
  }

  async publishForEndpoints(
    organizationId: string,
    endpointIds: string[],
    reason: string,
    actor: { type: ActorType; id?: string } = { type: 'system' },
  ): Promise<PublishResult> {
    const subjects = await this.bundles.subjectsByEndpoint(organizationId, endpointIds);
    return this.publish(organizationId, subjects, reason, actor);
  }

  // Compiles each user's policy once, signs a new version for every subject whose bundle would
  // change (policy, access or signing key) or is past half its life, and commits them with one
  // publish record and one audit record. Re-running it with nothing changed publishes nothing.
  private async publish(
    organizationId: string,
    subjects: Subject[],
    reason: string,
    actor: { type: ActorType; id?: string },
  ): Promise<PublishResult> {
    if (!subjects.length) return { publishId: null, published: 0, unchanged: 0 };
    const signer = await this.keys.activeSigner(organizationId);
    const lifetimeMs = this.config.BUNDLE_EXPIRY_HOURS * 3_600_000;
    const now = new Date();
    const byUser = new Map<
      string,
      { access: 'granted' | 'revoked'; bytes: Buffer; digest: string }
    >();
    for (const userId of new Set(subjects.map((s) => s.userId))) {
      const user = await this.directory.findUser(organizationId, userId);
      const access = user?.active ? 'granted' : 'revoked';
      const policy =
        access === 'granted'
          ? await this.policies.compileForUser(organizationId, userId)
          : compilePolicy({ user: { id: userId, active: false }, grants: [], connectors: [] });
      const bytes = encodePolicy(policy);
      byUser.set(userId, { access, bytes, digest: policyDigest(bytes) });
    }
    const spend = await this.policies.spendSettings(organizationId);
    const expiresAt = new Date(now.getTime() + lifetimeMs);
    const outcome = await this.bundles.transaction(organizationId, async (tx) => {
      const latest = await this.bundles.latest(
        tx,
        organizationId,
        subjects.map((s) => s.endpointId),
      );
      const changed = subjects.filter((subject) => {
        const held = latest.get(subject.endpointId);
        const next = byUser.get(subject.userId)!;
        return (
          !held ||
          held.policyDigest !== next.digest ||
          held.access !== next.access ||
          held.keyId !== signer.keyId ||
          !sameSpend(held.spend, spend) ||
          held.expiresAt.getTime() - now.getTime() < lifetimeMs / 2
        );
      });
      const unchanged = subjects.length - changed.length;
      if (!changed.length) return { publishId: null, signed: [], unchanged };

      const blobs = new Map([...byUser.values()].map((p) => [p.digest, p.bytes]));
      await this.bundles.saveBlobs(tx, organizationId, blobs);
      const versions = await this.bundles.nextVersions(
        tx,
        organizationId,
        changed.map((s) => s.endpointId),
      );
      const publish = await this.bundles.createPublish(tx, organizationId, reason, versions.size);
      const signed: NewBundle[] = [];
      for (const subject of changed) {
        const version = versions.get(subject.endpointId);
        if (version === undefined) continue;
        const policy = byUser.get(subject.userId)!;
        const header: BundleHeader = {
          formatVersion: 1,
          kind: 'policy-bundle',
          org: organizationId,
          subject: { userId: subject.userId, endpointId: subject.endpointId },
          access: policy.access,
          version,
          issuedAt: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
          keyId: signer.keyId,
          policyDigest: policy.digest,
          telemetry: TELEMETRY,
          spend,
        };
        const payload = Buffer.from(JSON.stringify(header), 'utf8');
        signed.push({
          endpointId: subject.endpointId,
          version,
          keyId: signer.keyId,
          etag: etagOf(version, payload),
          payload,
          signature: signPayload('policy-bundle', payload, signer),
          policyDigest: policy.digest,
          issuedAt: now,
          expiresAt,
        });
      }
      await this.bundles.saveBundles(tx, organizationId, publish.id, signed);
      // One record per publish batch; the subjects are listed when there are few enough to read.
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'bundle.published',
          resourceType: 'bundle_publish',
          resourceId: publish.id,
          data: {
            reason,
            subjectCount: signed.length,
            keyId: signer.keyId,
            ...(signed.length <= 100
              ? { subjects: signed.map((b) => ({ endpointId: b.endpointId, version: b.version })) }
              : {}),
          },
        },
        tx,
      );
      return { publishId: publish.id, signed, unchanged };
    });
    const { publishId, signed, unchanged } = outcome;
    if (!signed.length) return { publishId: null, published: 0, unchanged };

    const trustSetVersion = await this.keys.latestTrustSetVersion(organizationId);
    for (let start = 0; start < signed.length; start += SUBJECTS_PER_MESSAGE) {
      const message: BundlesPublished = {
        organizationId,
        trustSetVersion,
        subjects: signed
          .slice(start, start + SUBJECTS_PER_MESSAGE)
          .map((b) => ({ endpointId: b.endpointId, version: b.version, etag: b.etag })),
      };
      await this.bus.publish(BUNDLES_PUBLISHED_CHANNEL, JSON.stringify(message));
    }
    await this.bundles.prune(
      organizationId,
      signed.map((b) => b.endpointId),
      BUNDLE_HISTORY,
    );
    return { publishId, published: signed.length, unchanged };
  }

  // The subject's newest bundle as wire bytes. One whose policy an older API compiled in an older
  // format (runtimes on this code refuse it as malformed) is recompiled and republished first, so
  // an upgrade needs no job over every subject: each is upgraded by its own next pull. Should that
  // fail, the stored bundle is served as it is (runtimes of the previous release still read it)
  // and a later pull tries again.
  async served(organizationId: string, endpointId: string): Promise<ServedBundle | null> {
    let newest = await this.bundles.newest(organizationId, endpointId);
    if (!newest) return null;
    if ((policyFormatOf(newest.policy) ?? 0) < POLICY_FORMAT_VERSION) {
      try {
        await this.upgradeFormat(organizationId, endpointId);
        newest = (await this.bundles.newest(organizationId, endpointId)) ?? newest;
      } catch (error) {
        this.logger.error(
          `could not republish endpoint ${endpointId}'s bundle in policy format ${POLICY_FORMAT_VERSION}: ${String(error)}`,
        );
      }
    }
    const { bundle, policy } = newest;
    return {
      version: bundle.version,
      etag: bundle.etag,
      body: assembleEnvelope(
        'policy-bundle',
        bundle.keyId,
        Buffer.from(bundle.payload),
        Buffer.from(bundle.signature),
        policy,
      ),
    };
  }

  // Group commit: the subjects whose pulls ask while an upgrade publish runs go together in the
  // next one, so the pulls of a whole organization after an upgrade cost a few publishes per
  // replica, not one transaction (under the organization's publish lock) each. Replicas that
  // upgrade the same subject at once are harmless: publish signs no version for an unchanged one.
  private upgradeFormat(organizationId: string, endpointId: string): Promise<void> {
    let state = this.upgrades.get(organizationId);
    if (!state) {
      state = { waiting: new Set(), next: null, running: null };
      this.upgrades.set(organizationId, state);
    }
    state.waiting.add(endpointId);
    if (state.next) return state.next;
    const batch = state;
    const next = (batch.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        const endpointIds = [...batch.waiting];
        batch.waiting.clear();
        batch.next = null;
        batch.running = next;
        try {
          await this.publishForEndpoints(organizationId, endpointIds, FORMAT_UPGRADE_REASON);
        } finally {
          if (batch.running === next) batch.running = null;
          if (!batch.next && !batch.running) this.upgrades.delete(organizationId);
        }
      });
    batch.next = next;
    return next;
  }

  publishes(organizationId: string, take = 20) {
    return this.bundles.publishes(organizationId, Math.min(Math.max(take, 1), 100));
  }

  // How far a publish has reached: endpoints running its version (or newer), still behind, and
  // those whose last report says verification failed.
  async rollout(organizationId: string, publishId: string) {
    const publish = await this.bundles.findPublish(organizationId, publishId);
    if (!publish) throw new BundleError('publish_not_found', `no publish ${publishId}`);
    const rows = await this.bundles.rollout(organizationId, publishId);
    const failed = rows.filter((row) => row.reportedVerified === false);
    const current = rows.filter(
      (row) => row.reportedVerified !== false && (row.reportedVersion ?? 0) >= row.version,
    );
    return {
      publish,
      total: rows.length,
      current: current.length,
      behind: rows.length - current.length - failed.length,
      failed,
    };
  }
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
