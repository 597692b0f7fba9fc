import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { Config } from './config/config';
import { AnalyticsModule } from './modules/analytics/analytics.module';
import { AuditApiModule } from './modules/audit/audit-api.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { BundlesModule } from './modules/bundles/bundles.module';
import { CredentialsModule } from './modules/credentials/credentials.module';
import { DirectoryModule } from './modules/directory/directory.module';
import { GovernanceModule } from './modules/governance/governance.module';
import { EndpointsModule } from './modules/endpoints/endpoints.module';
import { OrganizationsModule } from './modules/organizations/organizations.module';
import { ScimModule } from './modules/scim/scim.module';
import { SpendModule } from './modules/spend/spend.module';
import { TelemetryModule } from './modules/telemetry/telemetry.module';
import { formatGraphqlErrors } from './platform/http/graphql-errors';
import { PlatformModule } from './platform/platform.module';

// Feature modules, in the order of the design: directory -> governance -> bundles -> endpoints ->
// analytics, audit. The same list runs as the API (main.ts) and as a worker (worker.ts).
export const FEATURE_MODULES = [
  OrganizationsModule,
  CredentialsModule,
  AuditModule,
  DirectoryModule,
  ScimModule,
  GovernanceModule,
  BundlesModule,
  EndpointsModule,
  SpendModule,
  AuthModule,
  TelemetryModule,
  AnalyticsModule,
  AuditApiModule,
];

@Module({})
export class AppModule {
  // A worker process has no HTTP server, so no GraphQL.
  static forRoot(config: Config, options: { http: boolean } = { http: true }): DynamicModule {
    const graphql = GraphQLModule.forRoot<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      graphiql: false,
      context: (request: unknown, reply: unknown) => ({ request, reply }),
      errorFormatter: formatGraphqlErrors,
    });
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config),
        ...(options.http ? [graphql] : []),
        ...FEATURE_MODULES,
      ],
    };
  }
}
