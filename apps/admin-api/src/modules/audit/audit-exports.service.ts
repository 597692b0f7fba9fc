import { Injectable } from '@nestjs/common';
import { AuditExport } from '../../generated/prisma/client';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { csvRow } from '../../platform/http/csv';
import { auditView, AuditFilter, auditWhere } from './audit-query.service';
import { AuditError, AuditErrorCode } from './audit.errors';
import { AuditRepository } from './audit.repository';
import { ActorType, AuditService } from './audit.service';

export type ExportFormat = 'ndjson' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

const CHUNK = 2000;
const CSV_COLUMNS = [
  'seq',
  'id',
  'occurredAt',
  'actorType',
  'actorId',
  'action',
  'resourceType',
  'resourceId',
  'data',
  'prevHash',
  'hash',
] as const;

interface StoredFilter {
  actorType?: string;
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
}

// Exports run as jobs (progress 0-100 on the export row) and the finished file is stored in
// Postgres, so whichever replica gets the download request can serve it.
@Injectable()
export class AuditExportsService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly jobs: JobsService,
    private readonly audit: AuditService,
  ) {}

  async request(
    organizationId: string,
    format: ExportFormat,
    filter: AuditFilter,
    actor: { type: ActorType; id: string },
  ): Promise<AuditExport> {
    if (!EXPORT_FORMATS.includes(format)) {
      throw new AuditError(AuditErrorCode.Invalid, `format must be ${EXPORT_FORMATS.join(' or ')}`);
    }
    const stored: StoredFilter = {
      ...filter,
      from: filter.from?.toISOString(),
      to: filter.to?.toISOString(),
    };
    const created = await this.repository.transaction(async (tx) => {
      const row = await this.repository.createExport(tx, {
        organizationId,
        format,
        filter: JSON.parse(JSON.stringify(stored)) as object,
        requestedBy: `${actor.type}:${actor.id}`,
      });
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'audit.export.requested',
          resourceType: 'audit-export',
          resourceId: row.id,
          data: { format, filter: JSON.parse(JSON.stringify(stored)) as object },
        },
        tx,
      );
      return row;
    });
    await this.jobs.enqueue(JobName.AuditExport, { exportId: created.id }, { jobId: created.id });
    return created;
  }

  async get(organizationId: string, id: string): Promise<AuditExport> {
    const found = await this.repository.findExportWithoutContent(id, organizationId);
    if (!found) throw new AuditError(AuditErrorCode.NotFound, `no export ${id}`);
    return { ...found, content: null };
  }

  async download(
    organizationId: string,
    id: string,
  ): Promise<{ format: ExportFormat; content: Buffer }> {
    const found = await this.repository.findExport(organizationId, id);
    if (!found) throw new AuditError(AuditErrorCode.NotFound, `no export ${id}`);
    if (found.status !== 'done' || !found.content) {
      throw new AuditError(AuditErrorCode.NotReady, `export ${id} is ${found.status}`);
    }
    return { format: found.format as ExportFormat, content: Buffer.from(found.content) };
  }

  // The job: pages through the matching records in chain order and reports progress.
  async build(
    exportId: string,
    reportProgress: (progress: number) => Promise<void>,
  ): Promise<void> {
    const job = await this.repository.findExportWithoutContent(exportId);
    if (!job || job.status === 'done') return;
    const stored = job.filter as StoredFilter;
    const where = auditWhere(job.organizationId, {
      ...stored,
      from: stored.from ? new Date(stored.from) : undefined,
      to: stored.to ? new Date(stored.to) : undefined,
    });
    await this.repository.updateExport(exportId, { status: 'running', progress: 0 });
    const total = await this.repository.countRecords(where);
    const parts: string[] = job.format === 'csv' ? [csvRow([...CSV_COLUMNS])] : [];
    let after = -1n;
    let done = 0;
    for (;;) {
      const rows = await this.repository.recordsAfter(where, after, CHUNK);
      for (const row of rows) {
        const view = auditView(row);
        parts.push(
          job.format === 'csv'
            ? csvRow(CSV_COLUMNS.map((column) => view[column]))
            : `${JSON.stringify(view)}\n`,
        );
      }
      done += rows.length;
      if (rows.length) after = rows.at(-1)!.seq;
      const progress = total ? Math.min(99, Math.floor((done * 100) / total)) : 99;
      await this.repository.updateExport(exportId, { progress });
      await reportProgress(progress);
      if (rows.length < CHUNK) break;
    }
    await this.repository.updateExport(exportId, {
      status: 'done',
      progress: 100,
      rowCount: done,
      content: new Uint8Array(Buffer.from(parts.join(''))),
      completedAt: new Date(),
    });
    await reportProgress(100);
  }

  async markFailed(exportId: string, error: unknown): Promise<void> {
    await this.repository.updateExport(exportId, {
      status: 'failed',
      error: String(error).slice(0, 500),
    });
  }
}
