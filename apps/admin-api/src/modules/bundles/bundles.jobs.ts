import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { BundlesService } from './bundles.service';
import { StaleBundlesSweep } from './stale-bundles-sweep';

// How often the sweep looks for bundles older than their inputs.
const SWEEP_EVERY_MS = 60_000;

// The scheduled bundle work. Changes reach endpoints through the propagation outbox
// (propagation-dispatcher.ts); these catch what it cannot: renewals, and subjects whose bundle is
// older than its inputs for any reason.
@Injectable()
export class BundlesJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly bundles: BundlesService,
    private readonly sweep: StaleBundlesSweep,
  ) {}

  onModuleInit(): void {
    this.jobs.register(JobName.BundlesRenew, () => this.bundles.renewBundles(), {
      everyMs: this.bundles.renewalIntervalMs(),
    });
    this.jobs.register(JobName.BundlesSweep, () => this.sweep.run(), { everyMs: SWEEP_EVERY_MS });
  }
}
