import { Module } from '@nestjs/common';
import { AuditApiModule } from '../audit/audit-api.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryModule } from '../directory/directory.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { GovernanceModule } from '../governance/governance.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ModelPricesService } from './model-prices.service';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendClock } from './spend-clock';
import { SpendJobs } from './spend.jobs';
import { SpendLedgerRetention } from './spend-ledger-retention';
import { SpendLedgerRepository } from './spend-ledger.repository';
import { SpendRoutes } from './spend-routes';
import { SpendRepository } from './spend.repository';
import { SpendAlertsRepository } from './spend-alerts.repository';
import { SpendLimitsRepository } from './spend-limits.repository';
import { SpendLimitsResolver } from './spend-limits.resolver';
import { SpendLimitsService } from './spend-limits.service';
import { SpendResolver } from './spend.resolver';
import { SpendService } from './spend.service';

// Spend limit definitions and their enforcement: leases and settlement for endpoints, the usage ledger and price table,
// threshold alerts (audit log and signed webhooks), the console's spend view; the ledger follows
// the organization's audit retention (AuditApiModule).
@Module({
  imports: [
    AuditModule,
    AuditApiModule,
    AuthModule,
    DirectoryModule,
    EndpointsModule,
    GovernanceModule,
    OrganizationsModule,
  ],
  providers: [
    SpendRepository,
    SpendAlertsRepository,
    SpendLimitsRepository,
    SpendService,
    SpendLimitsService,
    ModelPricesService,
    SpendAlertsService,
    SpendClock,
    SpendResolver,
    SpendLimitsResolver,
    SpendRoutes,
    SpendJobs,
    SpendLedgerRepository,
    SpendLedgerRetention,
  ],
  exports: [SpendService],
})
export class SpendModule {}
