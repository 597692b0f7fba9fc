import { Module, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { GovernanceModule } from '../governance/governance.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendClock } from './spend-clock';
import { SpendRoutes } from './spend-routes';
import { SpendRepository } from './spend.repository';
import { SpendResolver } from './spend.resolver';
import { SpendService } from './spend.service';

const SWEEP_EVERY_MS = 15_000;

// Spend enforcement: leases and settlement for endpoints, the usage ledger and price table,
// threshold alerts (audit log and signed webhooks), the console's spend view.
@Module({
  imports: [AuditModule, AuthModule, EndpointsModule, GovernanceModule, OrganizationsModule],
  providers: [
    SpendRepository,
    SpendService,
    SpendAlertsService,
    SpendClock,
    SpendResolver,
    SpendRoutes,
  ],
  exports: [SpendService],
})
export class SpendModule implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly alerts: SpendAlertsService,
    private readonly spend: SpendService,
  ) {}

  onModuleInit(): void {
    this.jobs.register(JobName.SpendAlert, async (data) => {
      await this.alerts.handle(String(data.alertId));
    });
    this.jobs.register(
      JobName.SpendSweep,
      async () => {
        await this.spend.reconcileAll();
        await this.alerts.sweep();
      },
      { everyMs: SWEEP_EVERY_MS },
    );
  }
}
