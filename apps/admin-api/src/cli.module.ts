import { DynamicModule, Module } from '@nestjs/common';
import { Config } from './config/config';
import { AuditModule } from './modules/audit/audit.module';
import { CredentialsModule } from './modules/credentials/credentials.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { PlatformModule } from './platform/platform.module';

// What the operator CLI needs: the services, no HTTP, no jobs.
@Module({})
export class CliModule {
  static forRoot(config: Config): DynamicModule {
    return {
      module: CliModule,
      imports: [
        PlatformModule.forRoot(config, { cli: true }),
        OrganizationsModule,
        CredentialsModule,
        AuditModule,
      ],
    };
  }
}
