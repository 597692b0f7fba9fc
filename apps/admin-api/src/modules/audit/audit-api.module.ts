import { Module, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuthModule } from '../auth/auth.module';
import { ApiKeyGuard } from '../credentials/api-key.guard';
import { CredentialsModule } from '../credentials/credentials.module';
import { AuditExportsService } from './audit-exports.service';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditConsoleController, AuditController } from './audit.controller';
import { AuditModule } from './audit.module';
import { AuditResolver } from './audit.resolver';

const RETENTION_EVERY_MS = 3600_000;

// The audit log's API: compliance query, verification, exports, retention and legal hold, for
// admins (GraphQL, console download) and API keys (REST).
@Module({
  imports: [AuditModule, AuthModule, CredentialsModule],
  controllers: [AuditController, AuditConsoleController],
  providers: [
    AuditQueryService,
    AuditExportsService,
    AuditRetentionService,
    AuditResolver,
    ApiKeyGuard,
  ],
  exports: [AuditRetentionService, AuditExportsService, AuditQueryService],
})
export class AuditApiModule implements OnModuleInit {
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
