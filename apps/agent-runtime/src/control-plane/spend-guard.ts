import Decimal from 'decimal.js';
import { ControlPlaneError } from './control-plane-client';
import { writeFileAtomic } from './state-store';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';

export interface SpendLease {
  /** The control plane's lease id, or null for spend taken from the offline allowance. */
  id: string | null;
  amountUsd: string;
}

/** Reserves money before a model request and settles the actual cost after it. */
export interface SpendGuard {
  reserve(amountUsd: string): Promise<SpendLease>;
  settle(lease: SpendLease, costUsd: string): Promise<void>;
  /** Sends what is still held (at the end of a session, or when it is stopped). */
  flush(): Promise<void>;
}

export class SpendRefused extends Error {}

/** A settlement held to go with the next lease request. */
export interface CarriedSettle {
  leaseId: string;
  costUsd: string;
}

export interface LeaseApi {
  createLease(
    amountUsd: string,
    idempotencyKey: string,
    settle?: CarriedSettle,
  ): Promise<{ id: string; amountUsd: string }>;
  settleLease(id: string, costUsd: string): Promise<void>;
}

// A settlement waits this long for the next lease request before it is sent on its own: the
// lease's unused money stays reserved against the budgets (the team's too) until then.
const IDLE_FLUSH_MS = 2_000;

/**
 * Leases from the control plane (docs/endpoint-protocol.md, spend section). A request's cost is
 * sent with the next lease request (one HTTP request per model request), or on its own after an
 * idle moment and at the end of the session. Until the control plane has it, it is kept on disk,
 * so a crash or a lost answer sends it again (settling is idempotent). When the control plane is
 * unreachable, requests draw on the bundle's offline allowance, counted on disk per bundle version
 * so restarting the runtime does not refill it.
 */
export class LeaseSpendGuard implements SpendGuard {
  private pending: CarriedSettle | null;
  private idleTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: LeaseApi,
    private readonly offline: { file: string; bundleVersion: number; allowanceUsd: number },
    private readonly held: { file: string; idleFlushMs?: number },
  ) {
    // A settlement a previous run held and did not get answered.
    this.pending = readPending(held.file);
  }

  private offlineSpent(): Decimal {
    try {
      const record = JSON.parse(fs.readFileSync(this.offline.file, 'utf8')) as {
        bundleVersion: number;
        spentUsd: string;
      };
      return record.bundleVersion === this.offline.bundleVersion
        ? new Decimal(record.spentUsd)
        : new Decimal(0);
    } catch {
      return new Decimal(0);
    }
  }

  async reserve(amountUsd: string): Promise<SpendLease> {
    this.stopIdleTimer();
    await this.flushing;
    const carried = this.pending ?? undefined;
    // One key per model request: when an answer is lost on a flaky network, the retry gets the
    // lease the server already made instead of reserving the money twice.
    const idempotencyKey = randomUUID();
    try {
      const lease = await this.api
        .createLease(amountUsd, idempotencyKey, carried)
        .catch((error: unknown) =>
          error instanceof ControlPlaneError && error.unreachable
            ? this.api.createLease(amountUsd, idempotencyKey, carried)
            : Promise.reject(error),
        );
      this.forget(carried);
      return lease;
    } catch (error) {
      if (carried && isRefusedSettle(error)) {
        // The settlement can never be taken (e.g. a lease of an earlier enrolment), and the
        // refused request changed nothing: drop it and lease on its own.
        this.forget(carried);
        return this.reserve(amountUsd);
      }
      if (!(error instanceof ControlPlaneError && error.unreachable)) {
        // A refused lease still took the settlement it carried (the protocol settles first).
        if (error instanceof ControlPlaneError && error.status === 402) this.forget(carried);
        throw new SpendRefused(`spend lease refused: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const spent = this.offlineSpent().plus(amountUsd);
      if (spent.greaterThan(this.offline.allowanceUsd)) {
        throw new SpendRefused(
          'the control plane is unreachable and the offline spend allowance is used up',
          { cause: error },
        );
      }
      this.recordOffline(spent);
      return { id: null, amountUsd };
    }
  }

  async settle(lease: SpendLease, costUsd: string): Promise<void> {
    if (lease.id === null) {
      // Offline: the whole reservation was counted; give back what was not used.
      this.recordOffline(this.offlineSpent().minus(lease.amountUsd).plus(costUsd));
      return;
    }
    // Only one settlement is held: an older one (leases taken in parallel) goes on its own.
    if (this.pending) await this.flush();
    this.pending = { leaseId: lease.id, costUsd };
    writeFileAtomic(this.held.file, JSON.stringify(this.pending));
    this.idleTimer = setTimeout(() => void this.flush(), this.held.idleFlushMs ?? IDLE_FLUSH_MS);
    // A runtime that exits without flushing sends it on its next start.
    this.idleTimer.unref();
  }

  /**
   * Sends the held settlement on its own. When the control plane is unreachable it stays on disk
   * and goes with the next lease request or flush, in this run or the next.
   */
  flush(): Promise<void> {
    this.stopIdleTimer();
    this.flushing = this.flushing.then(async () => {
      const settle = this.pending;
      if (!settle) return;
      try {
        await this.api.settleLease(settle.leaseId, settle.costUsd);
        this.forget(settle);
      } catch (error) {
        if (isRefusedSettle(error)) this.forget(settle);
      }
    });
    return this.flushing;
  }

  private forget(settle: CarriedSettle | undefined): void {
    if (!settle || this.pending !== settle) return;
    this.pending = null;
    fs.rmSync(this.held.file, { force: true });
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private recordOffline(spent: Decimal): void {
    writeFileAtomic(
      this.offline.file,
      JSON.stringify({ bundleVersion: this.offline.bundleVersion, spentUsd: spent.toFixed() }),
    );
  }
}

// The control plane knows no such lease of this endpoint: sending it again cannot help.
function isRefusedSettle(error: unknown): boolean {
  return error instanceof ControlPlaneError && error.code === 'lease_not_found';
}

function readPending(file: string): CarriedSettle | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CarriedSettle;
  } catch {
    return null;
  }
}
