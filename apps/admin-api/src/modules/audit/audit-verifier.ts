import { Injectable } from '@nestjs/common';
import { EventBatchesService } from '../telemetry/event-batches.service';
import { chainHash, GENESIS_HASH } from './audit-hash';
import type { ChainedFields } from './audit-hash';
import { AuditRepository } from './audit.repository';

export type AuditProblem =
  | 'edited' // the record's content no longer matches its hash
  | 'broken-link' // its prevHash is not the previous record's hash (deleted or reordered before it)
  | 'missing' // a sequence number is absent (deleted)
  | 'truncated' // the newest records are gone (the chain head says more were written)
  | 'events-changed'; // agent events no longer match their ingest batch's digest

export interface AuditVerification {
  ok: boolean;
  // Records checked, from the retention checkpoint (or the start) to the head.
  checked: number;
  fromSeq: string;
  headSeq: string;
  firstBad: { seq: string; id: string | null; problem: AuditProblem; detail: string } | null;
}

const PAGE = 5000;
const INGEST_ACTION = 'agent.events.ingested';

// Walks the organization's chain in sequence order and recomputes every hash. Any edited, deleted
// or reordered record breaks either its own hash, its link to the previous record or the sequence;
// the first such record is named. Retention leaves a checkpoint (the last deleted record's seq and
// hash) where verification starts.
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly repository: AuditRepository,
    private readonly batches: EventBatchesService,
  ) {}

  // With `events`, also re-hashes the agent events of every ingest batch record against the
  // record's digest (reads every stored event: an auditor's deep check, not a routine one).
  async verify(
    organizationId: string,
    options: { events?: boolean } = {},
  ): Promise<AuditVerification> {
    const chain = await this.verifyChain(organizationId);
    if (!chain.ok || !options.events) return chain;
    const firstBad = await this.verifyEventBatches(organizationId, BigInt(chain.fromSeq) - 1n);
    return firstBad ? { ...chain, ok: false, firstBad } : chain;
  }

  private async verifyEventBatches(
    organizationId: string,
    afterSeq: bigint,
  ): Promise<AuditVerification['firstBad']> {
    let after = afterSeq;
    for (;;) {
      const records = await this.repository.recordsOfAction(organizationId, INGEST_ACTION, {
        afterSeq: after,
        take: PAGE,
      });
      for (const record of records) {
        const data = record.data as {
          count?: number;
          days?: string[];
          digest?: string;
          digestFormat?: string;
        };
        const stored = await this.batches.storedDigest(
          organizationId,
          data.days ?? [],
          record.resourceId!,
          data.digestFormat,
        );
        if (stored.count !== data.count || stored.digest !== data.digest) {
          return {
            seq: record.seq.toString(),
            id: record.id.toString(),
            problem: 'events-changed',
            detail: `batch ${record.resourceId}: ${stored.count} of ${data.count} events stored, ${stored.digest === data.digest ? 'same' : 'different'} content`,
          };
        }
      }
      if (records.length < PAGE) return null;
      after = records.at(-1)!.seq;
    }
  }

  private async verifyChain(organizationId: string): Promise<AuditVerification> {
    const state = await this.repository.chainState(organizationId);
    const fromSeq = state?.prunedSeq ?? 0n;
    let prevHash = state?.prunedHash ?? GENESIS_HASH;
    let checked = 0;
    const result = (firstBad: AuditVerification['firstBad'], headSeq: bigint) => ({
      ok: firstBad === null,
      checked,
      fromSeq: (fromSeq + 1n).toString(),
      headSeq: headSeq.toString(),
      firstBad,
    });
    let lastSeq = fromSeq;
    for (;;) {
      const rows = await this.repository.recordsAfter({ organizationId }, lastSeq, PAGE);
      for (const row of rows) {
        const problem = recordProblem(row, lastSeq + 1n, prevHash);
        if (problem) return result(problem, state?.headSeq ?? row.seq);
        prevHash = row.hash;
        lastSeq = row.seq;
        checked++;
      }
      if (rows.length < PAGE) break;
    }
    const headSeq = state?.headSeq ?? lastSeq;
    const atHead = state ? headProblem(state, lastSeq, checked > 0 ? prevHash : null) : null;
    return result(atHead, headSeq);
  }
}

type Problem = NonNullable<AuditVerification['firstBad']>;

// What is wrong with the record read where record `expectedSeq` belongs, after the record whose
// hash is `prevHash`: absent, not linked to that record, or changed since it was hashed.
function recordProblem(
  row: ChainedFields & { id: bigint; prevHash: string; hash: string },
  expectedSeq: bigint,
  prevHash: string,
): Problem | null {
  const at = { seq: row.seq.toString(), id: row.id.toString() };
  if (row.seq !== expectedSeq) {
    return {
      seq: expectedSeq.toString(),
      id: null,
      problem: 'missing',
      detail: `record ${expectedSeq} is missing (the next one present is ${row.seq})`,
    };
  }
  if (row.prevHash !== prevHash) {
    return {
      ...at,
      problem: 'broken-link',
      detail: `record ${row.seq} does not follow record ${row.seq - 1n}: deleted or reordered`,
    };
  }
  if (chainHash(prevHash, row) !== row.hash) {
    return {
      ...at,
      problem: 'edited',
      detail: `record ${row.seq} was changed after it was written`,
    };
  }
  return null;
}

// What is wrong at the end of a chain read up to `lastSeq` (whose hash is `lastHash`, null when no
// record was read): the head says newer records were written, or its hash is not the last one's.
function headProblem(
  state: { headSeq: bigint; headHash: string },
  lastSeq: bigint,
  lastHash: string | null,
): Problem | null {
  if (state.headSeq > lastSeq) {
    return {
      seq: (lastSeq + 1n).toString(),
      id: null,
      problem: 'truncated',
      detail: `records ${lastSeq + 1n} to ${state.headSeq} are missing`,
    };
  }
  if (lastHash !== null && state.headHash !== lastHash) {
    return {
      seq: lastSeq.toString(),
      id: null,
      problem: 'edited',
      detail: `the newest record ${lastSeq} does not match the chain head`,
    };
  }
  return null;
}
