import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ApiKeyGuard } from '../credentials/api-key.guard';
import { CredentialsModule } from '../credentials/credentials.module';
import { EventStoreModule } from '../telemetry/event-store.module';
import { AuditExportsService } from './audit-exports.service';
import { AuditJobs } from './audit.jobs';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditConsoleController, AuditController } from './audit.controller';
import { AuditModule } from './audit.module';
import { AuditResolver } from './audit.resolver';

// The audit log's API: compliance query, verification, exports, retention and legal hold, for
// admins (GraphQL, console download) and API keys (REST).
@Module({
  imports: [AuditModule, AuthModule, CredentialsModule, EventStoreModule],
  controllers: [AuditController, AuditConsoleController],
  providers: [
    AuditQueryService,
    AuditExportsService,
    AuditRetentionService,
    AuditResolver,
    AuditJobs,
    ApiKeyGuard,
  ],
  exports: [AuditRetentionService, AuditExportsService, AuditQueryService],
})
export class AuditApiModule {}
