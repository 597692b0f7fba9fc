import {
  PolicyEngine,
  verifyBundle,
  verifyTrustChain,
  verifyTrustSetUpdate,
  type TrustSet,
  type VerifiedBundle,
} from '@steward/policy';
import { ControlPlaneError, type ControlPlaneClient } from './control-plane-client';
import type { Enrolment, StateStore } from './state-store';

export const RUNTIME_VERSION = '0.1.0';
// The protocol asks for a status report after each change and at least this often.
const STATUS_EVERY_MS = 10 * 60_000;

export type BundleState =
  | { usable: true; bundle: VerifiedBundle; engine: PolicyEngine }
  | { usable: false; reason: string; detail: string };

export interface PullOutcome {
  changed: boolean;
  verified: boolean;
  version: number | null;
  reason?: string;
  detail?: string;
}

/**
 * Holds the last good bundle and replaces it only with one libs/policy verified: signed by a
 * trusted key, for this organization, user and endpoint, unexpired, and not older than any bundle
 * accepted before. A refused download never displaces the bundle in force.
 */
export class BundleManager {
  constructor(
    private readonly store: StateStore,
    private readonly enrolment: Enrolment,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The trust set in force: the anchor pinned at enrolment followed through every stored rotation,
   * verified on every call. A stored set is never trusted because it signs itself.
   */
  trustSet(): TrustSet {
    if (!this.enrolment.trustAnchor) throw new Error('no trust anchor on disk: enrol again');
    const result = verifyTrustChain(
      Buffer.from(this.enrolment.trustAnchor, 'utf8'),
      this.store.trustChain(),
      this.enrolment.organizationId,
    );
    if (!result.ok) {
      throw new Error(`the stored trust chain is refused (${result.reason}: ${result.detail})`);
    }
    return result.trustSet;
  }

  /** The bundle to enforce now, verified from disk on every call (never trusted from memory). */
  current(): BundleState {
    const bytes = this.store.bundleBytes();
    const record = this.store.bundleRecord();
    if (!bytes || !record) {
      return { usable: false, reason: 'no-bundle', detail: 'no policy bundle has been pulled yet' };
    }
    let trustSet: TrustSet;
    try {
      trustSet = this.trustSet();
    } catch (error) {
      return { usable: false, reason: 'no-trust-set', detail: (error as Error).message };
    }
    const result = verifyBundle(bytes, {
      trustSet,
      expectedOrg: this.enrolment.organizationId,
      expectedSubject: { userId: this.enrolment.userId, endpointId: this.enrolment.endpointId },
      heldVersion: record.version,
      now: this.now(),
    });
    if (!result.ok) return { usable: false, reason: result.reason, detail: result.detail };
    if (result.bundle.access === 'revoked') {
      return {
        usable: false,
        reason: 'access-revoked',
        detail: 'your organization has revoked your access to the agent',
      };
    }
    return { usable: true, bundle: result.bundle, engine: new PolicyEngine(result.bundle.policy) };
  }

  /** One pull; with `waitSeconds` a long-poll. Throws ControlPlaneError when unreachable. */
  async pull(client: ControlPlaneClient, waitSeconds?: number, signal?: AbortSignal) {
    const record = this.store.bundleRecord();
    const pulled = await client.pullBundle(
      this.store.bundleBytes() ? (record?.etag ?? null) : null,
      waitSeconds,
      signal,
    );
    // A newer trust set is followed before anything is verified with it: a rotation's new key, and
    // a revocation that no refused bundle would reveal.
    if (pulled.trustSetVersion !== null) {
      const held = this.trustSet();
      if (pulled.trustSetVersion > held.version) {
        await this.followTrustChain(client, held, pulled.trustSetVersion);
      }
    }
    if (pulled.status === 'unchanged') {
      return { changed: false, verified: true, version: record?.version ?? null } as PullOutcome;
    }
    const outcome = this.accept(pulled.bytes, pulled.etag);
    this.store.saveLastPull({
      at: this.now().toISOString(),
      verified: outcome.verified,
      reason: outcome.reason,
      detail: outcome.detail,
    });
    return outcome;
  }

  /** Verifies downloaded bytes and, when they pass, stores them as the last good bundle. */
  accept(bytes: Buffer, etag: string | null): PullOutcome {
    const record = this.store.bundleRecord();
    const result = verifyBundle(bytes, {
      trustSet: this.trustSet(),
      expectedOrg: this.enrolment.organizationId,
      expectedSubject: { userId: this.enrolment.userId, endpointId: this.enrolment.endpointId },
      heldVersion: record?.version ?? 0,
      now: this.now(),
    });
    if (!result.ok) {
      return {
        changed: false,
        verified: false,
        version: record?.version ?? null,
        reason: result.reason,
        detail: result.detail,
      };
    }
    this.store.saveBundle(bytes, {
      version: result.bundle.version,
      etag,
      acceptedAt: this.now().toISOString(),
    });
    return { changed: true, verified: true, version: result.bundle.version };
  }

  // Each update must be the next link of the chain: signed by the active key of the set held
  // and by its own. Links are stored as they are accepted; the first refusal stops the walk. The
  // control plane answers a page of links at a time: asked again from the last one until the
  // announced version is reached or a page brings nothing.
  private async followTrustChain(
    client: ControlPlaneClient,
    held: TrustSet,
    announced: number,
  ): Promise<void> {
    const chain = this.store.trustChain();
    let current = held;
    while (current.version < announced) {
      const { updates } = await client.trustSetUpdates(current.version);
      if (!updates.length) return;
      current = this.applyTrustSetUpdates(chain, current, updates);
    }
  }

  private applyTrustSetUpdates(chain: Buffer[], held: TrustSet, updates: string[]): TrustSet {
    let current = held;
    for (const update of updates) {
      const bytes = Buffer.from(update, 'utf8');
      const result = verifyTrustSetUpdate(bytes, {
        held: current,
        expectedOrg: this.enrolment.organizationId,
      });
      if (!result.ok) {
        throw new Error(`trust-set update refused (${result.reason}): ${result.detail}`);
      }
      chain.push(bytes);
      this.store.saveTrustChain(chain);
      current = result.trustSet;
    }
    return current;
  }

  async reportStatus(client: ControlPlaneClient, outcome: PullOutcome): Promise<void> {
    let trustSetVersion: number | null = null;
    try {
      trustSetVersion = this.trustSet().version;
    } catch {
      // reported as null: no trusted set on disk
    }
    const state = this.current();
    await client.reportStatus({
      bundleVersion: state.usable ? state.bundle.version : null,
      verified: outcome.verified,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      trustSetVersion,
      runtimeVersion: RUNTIME_VERSION,
      errors: outcome.verified
        ? []
        : [{ code: 'bundle_refused', message: `${outcome.reason}: ${outcome.detail}` }],
    });
  }

  /**
   * Long-polls until `signal` aborts, reporting status after a change or refusal and at least
   * every 10 minutes. On a network failure or a 5xx it backs off exponentially
   * (1 s doubling to 60 s, with jitter) and keeps the last good bundle in force; a 401 ends the
   * loop, since only re-enrolment helps.
   */
  async sync(
    client: ControlPlaneClient,
    options: {
      signal: AbortSignal;
      waitSeconds?: number;
      sleep?: (ms: number) => Promise<void>;
      onPull?: (outcome: PullOutcome) => void;
      onError?: (error: Error, retryInMs: number) => void;
    },
  ): Promise<void> {
    const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    let failures = 0;
    let reportedAt = 0;
    while (!options.signal.aborted) {
      try {
        const outcome = await this.pull(client, options.waitSeconds ?? 55, options.signal);
        failures = 0;
        options.onPull?.(outcome);
        const due = this.now().getTime() - reportedAt >= STATUS_EVERY_MS;
        if (outcome.changed || !outcome.verified || due) {
          await this.reportStatus(client, outcome);
          reportedAt = this.now().getTime();
        }
      } catch (error) {
        if (options.signal.aborted) return;
        if (error instanceof ControlPlaneError && error.status === 401) throw error;
        failures += 1;
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6));
        const retryIn = Math.round(delay / 2 + (Math.random() * delay) / 2);
        options.onError?.(error as Error, retryIn);
        await sleep(retryIn);
      }
    }
  }
}
