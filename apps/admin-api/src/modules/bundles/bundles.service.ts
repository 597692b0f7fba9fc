import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  bundleEnvelope,
  compilePolicy,
  encodePolicy,
  POLICY_FORMAT_VERSION,
  policyDigest,
  policyFormatOf,
} from '@steward/policy';
import type { CompiledPolicy, SpendSettings } from '@steward/policy';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import type { ActorType } from '../audit/audit.service';
import { DirectoryService } from '../directory/directory.service';
import { EndpointSubjectsService } from '../endpoints/endpoint-subjects.service';
import type { EndpointSubject } from '../endpoints/endpoint-subjects.service';
import { BUNDLES_PUBLISHED_CHANNEL, SUBJECTS_PER_MESSAGE } from './bundle-events';
import type { BundlesPublished } from './bundle-events';
import { signSubjectBundle, stillCurrent } from './bundle-signing';
import type { SigningTerms, SubjectPolicy } from './bundle-signing';
import { BundleError, BundleErrorCode } from './bundle.errors';
import { BundlesClock } from './bundles-clock';
import { BundlesRepository } from './bundles.repository';
import type { BundlesTx, NewBundle } from './bundles.repository';
import { SigningKeysService } from './signing-keys.service';

// Where compiled policies and the organization's endpoint spend settings come from: the
// governance module.
export interface PolicySource {
  compileForUser(organizationId: string, userId: string): Promise<CompiledPolicy>;
  spendSettings(organizationId: string): Promise<SpendSettings>;
  inputsChangedAt(organizationId: string): Promise<Date | null>;
}
export const POLICY_SOURCE = Symbol('PolicySource');

// Users whose policies one publish compiles at once.
const COMPILE_CONCURRENCY = 8;

// Signed bundles each subject keeps: the latest plus history for the console.
export const BUNDLE_HISTORY = 10;

// Publish reason of a bundle recompiled because its stored policy is in an older compiled format.
export const FORMAT_UPGRADE_REASON = 'policy.format_upgrade';
// Publish reason of the scheduled re-signing of bundles past half their life.
export const RENEWAL_REASON = 'bundle.renewed';

// Who a publish is recorded as made by.
export interface PublishActor {
  type: ActorType;
  id?: string;
}

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
    private readonly endpoints: EndpointSubjectsService,
    private readonly audit: AuditService,
    @Inject(POLICY_SOURCE) private readonly policies: PolicySource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly clock: BundlesClock,
  ) {}

  publishForUsers(
    organizationId: string,
    userIds: string[] | 'all',
    reason: string,
    actor: PublishActor = { type: 'system' },
  ): Promise<PublishResult> {
    return this.endpoints
      .ofUsers(organizationId, userIds)
      .then((subjects) => this.publish(organizationId, subjects, reason, actor));
  }

  async publishForEndpoints(
    organizationId: string,
    endpointIds: string[],
    reason: string,
    actor: PublishActor = { type: 'system' },
  ): Promise<PublishResult> {
    const subjects = await this.endpoints.ofEndpoints(organizationId, endpointIds);
    return this.publish(organizationId, subjects, reason, actor);
  }

  // Compiles each user's policy once, signs a new version for every subject whose bundle would
  // change (policy, access or signing key) or is past half its life, and commits them with one
  // publish record and one audit record. Re-running it with nothing changed publishes nothing.
  private async publish(
    organizationId: string,
    subjects: EndpointSubject[],
    reason: string,
    actor: PublishActor,
  ): Promise<PublishResult> {
    if (!subjects.length) return { publishId: null, published: 0, unchanged: 0 };
    const policies = await this.compilePolicies(organizationId, subjects);
    const spend = await this.policies.spendSettings(organizationId);
    const { publishId, signed, unchanged } = await this.signUnderLock(
      organizationId,
      (terms, tx) => this.signChanged(tx, subjects, policies, terms, { reason, actor }),
      spend,
    );
    if (!signed.length) return { publishId: null, published: 0, unchanged };

    await this.announce(organizationId, signed);
    await this.bundles.prune(organizationId, signed, BUNDLE_HISTORY);
    return { publishId, published: signed.length, unchanged };
  }

  // Runs `sign` under the organization's publish lock with the key that signs now. The signer is
  // read (and its private key decrypted) before the lock; a rotation that committed in between
  // would otherwise have this publish sign a newer version than the rotation's own republish with
  // the retiring key, leaving endpoints on a bundle that stops verifying after the grace.
  private async signUnderLock<T>(
    organizationId: string,
    sign: (terms: SigningTerms, tx: BundlesTx) => Promise<T>,
    spend: SigningTerms['spend'],
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const signer = await this.keys.activeSigner(organizationId);
      const issuedAt = this.clock.now();
      const terms: SigningTerms = {
        organizationId,
        signer,
        spend,
        issuedAt,
        expiresAt: new Date(issuedAt.getTime() + this.config.BUNDLE_EXPIRY_HOURS * 3_600_000),
      };
      const outcome = await this.bundles.transaction(organizationId, async (tx) =>
        (await this.keys.activeKeyId(organizationId, tx)) === signer.keyId
          ? { done: true as const, value: await sign(terms, tx) }
          : { done: false as const },
      );
      if (outcome.done) return outcome.value;
      if (attempt === 3) throw new Error('the signing key kept changing during a publish');
    }
  }

  // Each user's policy, a few users at a time: each compile is several database round trips.
  private async compilePolicies(
    organizationId: string,
    subjects: EndpointSubject[],
  ): Promise<Map<string, SubjectPolicy>> {
    const policies = new Map<string, SubjectPolicy>();
    const userIds = [...new Set(subjects.map((s) => s.userId))];
    let next = 0;
    const compileNext = async () => {
      while (next < userIds.length) {
        const userId = userIds[next++]!;
        const user = await this.directory.findUser(organizationId, userId);
        const access = user?.active ? 'granted' : 'revoked';
        const policy =
          access === 'granted'
            ? await this.policies.compileForUser(organizationId, userId)
            : compilePolicy({ user: { id: userId, active: false }, grants: [], connectors: [] });
        const bytes = encodePolicy(policy);
        policies.set(userId, { access, bytes, digest: policyDigest(bytes) });
      }
    };
    await Promise.all(Array.from({ length: COMPILE_CONCURRENCY }, compileNext));
    return policies;
  }

  // Under the organization's publish lock: signs the next version of each subject whose newest
  // bundle is no longer current, with the policy bytes, one publish record and its audit record.
  private async signChanged(
    tx: BundlesTx,
    subjects: EndpointSubject[],
    policies: Map<string, SubjectPolicy>,
    terms: SigningTerms,
    why: { reason: string; actor: PublishActor },
  ): Promise<{ publishId: string | null; signed: NewBundle[]; unchanged: number }> {
    const { organizationId } = terms;
    const endpointIds = subjects.map((s) => s.endpointId);
    const latest = await this.bundles.latest(tx, organizationId, endpointIds);
    const changed = subjects.filter(
      (subject) =>
        !stillCurrent(latest.get(subject.endpointId), policies.get(subject.userId)!, terms),
    );
    const unchanged = subjects.length - changed.length;
    if (!changed.length) return { publishId: null, signed: [], unchanged };

    const blobs = new Map([...policies.values()].map((p) => [p.digest, p.bytes]));
    await this.bundles.saveBlobs(tx, organizationId, blobs);
    const versions = await this.endpoints.nextBundleVersions(
      tx,
      organizationId,
      changed.map((s) => s.endpointId),
    );
    const publish = await this.bundles.createPublish(tx, organizationId, why.reason, versions.size);
    const signed = changed.flatMap((subject) => {
      const version = versions.get(subject.endpointId);
      if (version === undefined) return [];
      return [signSubjectBundle(subject, version, policies.get(subject.userId)!, terms)];
    });
    await this.bundles.saveBundles(tx, organizationId, publish.id, signed);
    await this.recordPublish(tx, publish.id, signed, terms, why);
    return { publishId: publish.id, signed, unchanged };
  }

  // One record per publish batch; the subjects are listed when there are few enough to read.
  private async recordPublish(
    tx: BundlesTx,
    publishId: string,
    signed: NewBundle[],
    terms: SigningTerms,
    why: { reason: string; actor: PublishActor },
  ): Promise<void> {
    await this.audit.record(
      terms.organizationId,
      {
        actorType: why.actor.type,
        actorId: why.actor.id,
        action: 'bundle.published',
        resourceType: 'bundle_publish',
        resourceId: publishId,
        data: {
          reason: why.reason,
          subjectCount: signed.length,
          keyId: terms.signer.keyId,
          ...(signed.length <= 100
            ? { subjects: signed.map((b) => ({ endpointId: b.endpointId, version: b.version })) }
            : {}),
        },
      },
      tx,
    );
  }

  // Wakes the long-polls of these subjects on this replica at once and on every other one through
  // Redis. Best effort: while Redis is away the others learn of new versions from their database
  // poll (endpoints/bundle-feed.ts).
  private async announce(organizationId: string, signed: NewBundle[]): Promise<void> {
    try {
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
    } catch (error) {
      this.logger.warn(`new bundles not announced (replicas poll for them): ${String(error)}`);
    }
  }

  // Scheduled re-signing: every subject whose newest bundle is past half its life, or was signed by
  // a key that no longer signs (rotated or revoked), gets a fresh one, so an endpoint that pulls
  // now and then never runs into its bundle's expiry or its key's retirement.
  async renewBundles(): Promise<{ organizations: number; published: number }> {
    const lifetimeMs = this.config.BUNDLE_EXPIRY_HOURS * 3_600_000;
    const renewBefore = new Date(this.clock.now().getTime() + lifetimeMs / 2);
    const due = await this.bundles.dueForRenewal(renewBefore);
    let published = 0;
    for (const [organizationId, endpointIds] of due) {
      published += (await this.publishForEndpoints(organizationId, endpointIds, RENEWAL_REASON))
        .published;
    }
    return { organizations: due.size, published };
  }

  // How often renewBundles runs: hourly, or more often when bundles live only a few hours.
  renewalIntervalMs(): number {
    return Math.min(3_600_000, (this.config.BUNDLE_EXPIRY_HOURS * 3_600_000) / 8);
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
      body: bundleEnvelope(
        {
          keyId: bundle.keyId,
          payload: Buffer.from(bundle.payload),
          signature: Buffer.from(bundle.signature),
        },
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

  newestVersions(organizationId: string, endpointIds: string[]): Promise<Map<string, number>> {
    return this.bundles.newestVersions(organizationId, endpointIds);
  }

  publishes(organizationId: string, take = 20) {
    return this.bundles.publishes(organizationId, Math.min(Math.max(take, 1), 100));
  }

  // How far a publish has reached: endpoints running its version (or newer), still behind, and
  // those whose last report says verification failed.
  async rollout(organizationId: string, publishId: string) {
    const publish = await this.bundles.findPublish(organizationId, publishId);
    if (!publish) throw new BundleError(BundleErrorCode.PublishNotFound, `no publish ${publishId}`);
    const versions = await this.bundles.publishedVersions(organizationId, publishId);
    const reports = await this.endpoints.bundleReports(organizationId, [...versions.keys()]);
    const rows = reports.map((report) => ({
      ...report,
      version: versions.get(report.endpointId)!,
    }));
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
