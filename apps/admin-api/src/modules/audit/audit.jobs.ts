import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuditExportsService } from './audit-exports.service';
import { AuditRetentionService } from './audit-retention.service';

const RETENTION_EVERY_MS = 3600_000;

// Exports are built by a job (progress on the export row); retention runs hourly.
@Injectable()
export class AuditJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly exports: AuditExportsService,
    private readonly retention: AuditRetentionService,
  ) {}

  onModuleInit(): void {
    this.jobs.register(JobName.AuditExport, async (data, job) => {
      const exportId = String(data.exportId);
      try {
        await this.exports.build(exportId, (progress) => job.reportProgress(progress));
      } catch (error) {
        await this.exports.markFailed(exportId, error);
        throw error;
      }
    });
    this.jobs.register(JobName.AuditRetention, () => this.retention.applyAll(), {
      everyMs: RETENTION_EVERY_MS,
    });
  }
}
