import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryModule } from '../directory/directory.module';
import { EndpointSubjectsModule } from '../endpoints/endpoint-subjects.module';
import { GovernanceModule } from '../governance/governance.module';
import { PolicyCompiler } from '../governance/policy-compiler.service';
import { PropagationModule } from '../propagation/propagation.module';
import { BundlesClock } from './bundles-clock';
import { BundlesJobs } from './bundles.jobs';
import { BundlesRepository } from './bundles.repository';
import { BundlesResolver } from './bundles.resolver';
import { BundlesService, POLICY_SOURCE } from './bundles.service';
import { PropagationDispatcher } from './propagation-dispatcher';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';
import { StaleBundlesSweep } from './stale-bundles-sweep';

@Module({
  imports: [
    AuditModule,
    AuthModule,
    DirectoryModule,
    EndpointSubjectsModule,
    GovernanceModule,
    PropagationModule,
  ],
  providers: [
    { provide: POLICY_SOURCE, useExisting: PolicyCompiler },
    BundlesClock,
    SigningKeysRepository,
    SigningKeysService,
    BundlesRepository,
    BundlesService,
    BundlesJobs,
    StaleBundlesSweep,
    PropagationDispatcher,
    BundlesResolver,
  ],
  exports: [BundlesService, SigningKeysService],
})
export class BundlesModule {}
