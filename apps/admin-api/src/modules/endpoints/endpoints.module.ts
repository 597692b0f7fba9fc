import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { BundlesModule } from '../bundles/bundles.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { DirectoryModule } from '../directory/directory.module';
import { BundleFeed } from './bundle-feed';
import { BundleRoute } from './bundle-route';
import { EndpointAuthGuard } from './endpoint-auth';
import { EndpointSessions } from './endpoint-sessions';
import { EndpointsController } from './endpoints.controller';
import { EndpointsRepository } from './endpoints.repository';
import { EndpointsResolver } from './endpoints.resolver';
import { EndpointsService } from './endpoints.service';

// Enrolment, bundle distribution (ETag, long-poll) and status reports. Other modules serving
// endpoints (spend leases, event ingest) use EndpointAuthGuard and CurrentEndpoint.
@Module({
  imports: [AuditModule, AuthModule, BundlesModule, CredentialsModule, DirectoryModule],
  controllers: [EndpointsController],
  providers: [
    EndpointsRepository,
    EndpointsService,
    EndpointSessions,
    EndpointAuthGuard,
    BundleFeed,
    BundleRoute,
    EndpointsResolver,
  ],
  exports: [EndpointsService, EndpointSessions, EndpointAuthGuard],
})
export class EndpointsModule {}
