import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryModule } from '../directory/directory.module';
import { GovernanceModule } from '../governance/governance.module';
import { GovernanceService } from '../governance/governance.service';
import { BundlesJobs } from './bundles.jobs';
import { BundlesRepository } from './bundles.repository';
import { BundlesResolver } from './bundles.resolver';
import { BundlesService, POLICY_SOURCE } from './bundles.service';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

@Module({
  imports: [AuditModule, AuthModule, DirectoryModule, GovernanceModule],
  providers: [
    { provide: POLICY_SOURCE, useExisting: GovernanceService },
    SigningKeysRepository,
    SigningKeysService,
    BundlesRepository,
    BundlesService,
    BundlesJobs,
    BundlesResolver,
  ],
  exports: [BundlesService, SigningKeysService],
})
export class BundlesModule {}
