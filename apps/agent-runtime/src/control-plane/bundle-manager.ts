import {
  PolicyEngine,
  verifyBundle,
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

  trustSet(): TrustSet {
    const bytes = this.store.trustSetBytes();
    if (!bytes) throw new Error('no trust set on disk: enrol again');
    const result = verifyTrustSetUpdate(bytes, {
      held: null,
      expectedOrg: this.enrolment.organizationId,
      now: this.now(),
    });
    if (!result.ok) throw new Error(`the stored trust set is refused (${result.reason})`);
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
    if (pulled.status === 'unchanged') {
      return { changed: false, verified: true, version: record?.version ?? null } as PullOutcome;
    }
    let outcome = this.accept(pulled.bytes, pulled.etag);
    if (outcome.reason === 'unknown-key' && pulled.trustSetVersion !== null) {
      const trustSet = this.trustSet();
      if (pulled.trustSetVersion > trustSet.version) {
        await this.updateTrustSet(client, trustSet);
        outcome = this.accept(pulled.bytes, pulled.etag);
      }
    }
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

  private async updateTrustSet(client: ControlPlaneClient, held: TrustSet): Promise<void> {
    const { updates } = await client.trustSetUpdates(held.version);
    let current = held;
    for (const update of updates) {
      const bytes = Buffer.from(update, 'utf8');
      const result = verifyTrustSetUpdate(bytes, {
        held: current,
        expectedOrg: this.enrolment.organizationId,
        now: this.now(),
      });
      if (!result.ok) {
        throw new Error(`trust-set update refused (${result.reason}): ${result.detail}`);
      }
      this.store.saveTrustSet(bytes);
      current = result.trustSet;
    }
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
