import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryModule } from '../directory/directory.module';
import { PropagationModule } from '../propagation/propagation.module';
import { ConnectorsResolver } from './connectors.resolver';
import { ConnectorsService } from './connectors.service';
import { ExplainResolver } from './explain.resolver';
import { FoldersResolver } from './folders.resolver';
import { FoldersService } from './folders.service';
import { GovernanceRepository } from './governance.repository';
import { GovernanceSettingsResolver } from './governance-settings.resolver';
import { GovernanceSettingsService } from './governance-settings.service';
import { GovernanceWrites } from './governance-writes';
import { PolicyChanges } from './policy-changes';
import { PolicyCompiler } from './policy-compiler.service';
import { RolesResolver } from './roles.resolver';
import { RolesService } from './roles.service';
import { SimulationService } from './simulation.service';

// What users may do: roles and bindings (RolesService), connectors (ConnectorsService), folders
// and network (FoldersService), approval and endpoint spend settings (GovernanceSettingsService),
// and a user's effective policy compiled from them (PolicyCompiler, for bundles and explain;
// SimulationService for "what if"). Spend limits are the spend module's; their writes reach
// endpoints through PolicyChanges, as governance's do.
@Module({
  imports: [AuditModule, AuthModule, DirectoryModule, PropagationModule],
  providers: [
    GovernanceRepository,
    PolicyChanges,
    GovernanceWrites,
    RolesService,
    ConnectorsService,
    FoldersService,
    GovernanceSettingsService,
    PolicyCompiler,
    SimulationService,
    RolesResolver,
    ConnectorsResolver,
    FoldersResolver,
    GovernanceSettingsResolver,
    ExplainResolver,
  ],
  exports: [PolicyCompiler, GovernanceSettingsService, PolicyChanges],
})
export class GovernanceModule {}
