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
}

export class SpendRefused extends Error {}

export interface LeaseApi {
  createLease(
    amountUsd: string,
    idempotencyKey: string,
  ): Promise<{ id: string; amountUsd: string }>;
  settleLease(id: string, costUsd: string): Promise<void>;
}

/**
 * Leases from the control plane (docs/endpoint-protocol.md, spend section). When the control
 * plane is unreachable, requests draw on the bundle's offline allowance, counted on disk per
 * bundle version so restarting the runtime does not refill it.
 */
export class LeaseSpendGuard implements SpendGuard {
  constructor(
    private readonly api: LeaseApi,
    private readonly offline: { file: string; bundleVersion: number; allowanceUsd: number },
  ) {}

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
    // One key per model request: when an answer is lost on a flaky network, the retry gets the
    // lease the server already made instead of reserving the money twice.
    const idempotencyKey = randomUUID();
    try {
      return await this.api
        .createLease(amountUsd, idempotencyKey)
        .catch((error: unknown) =>
          error instanceof ControlPlaneError && error.unreachable
            ? this.api.createLease(amountUsd, idempotencyKey)
            : Promise.reject(error),
        );
    } catch (error) {
      if (!(error instanceof ControlPlaneError && error.unreachable)) {
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
    await this.api.settleLease(lease.id, costUsd);
  }

  private recordOffline(spent: Decimal): void {
    writeFileAtomic(
      this.offline.file,
      JSON.stringify({ bundleVersion: this.offline.bundleVersion, spentUsd: spent.toFixed() }),
    );
  }
}
