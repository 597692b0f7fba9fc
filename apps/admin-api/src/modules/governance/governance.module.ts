import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryModule } from '../directory/directory.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ConnectorsResolver } from './connectors.resolver';
import { ConnectorsService } from './connectors.service';
import { ExplainResolver } from './explain.resolver';
import { GovernanceRepository } from './governance.repository';
import { GovernanceResolver } from './governance.resolver';
import { GovernanceService } from './governance.service';

// Roles, bindings, connectors, folder rules, approval settings and spend limit definitions, and
// the compilation of a user's effective policy (GovernanceService.compileForUser) for bundles.
@Module({
  imports: [AuditModule, AuthModule, DirectoryModule, OrganizationsModule],
  providers: [
    GovernanceRepository,
    GovernanceService,
    ConnectorsService,
    GovernanceResolver,
    ConnectorsResolver,
    ExplainResolver,
  ],
  exports: [GovernanceService],
})
export class GovernanceModule {}
