import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { SpendAlertsService } from './spend-alerts.service';
import { SpendLedgerRetention } from './spend-ledger-retention';
import { SpendService } from './spend.service';

const SWEEP_EVERY_MS = 15_000;
const LEDGER_RETENTION_EVERY_MS = 3600_000;

// An alert's audit record and webhook, and the periodic sweep: counters folded, expired leases
// released, alerts whose job was lost sent; hourly, the ledger's retention.
@Injectable()
export class SpendJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly alerts: SpendAlertsService,
    private readonly spend: SpendService,
    private readonly ledgerRetention: SpendLedgerRetention,
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
    this.jobs.register(JobName.SpendLedgerRetention, () => this.ledgerRetention.applyAll(), {
      everyMs: LEDGER_RETENTION_EVERY_MS,
    });
  }
}
