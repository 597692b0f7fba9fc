import { Module } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { PrismaService } from '../../platform/database/prisma.service';
import { REDIS } from '../../platform/redis/redis';
import type { OptionalRedis } from '../../platform/redis/redis';
import { AuditModule } from '../audit/audit.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminSessionsResolver } from './admin-sessions.resolver';
import { AdminsRepository } from './admins.repository';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { MachineCredentialsResolver } from './machine-credentials.resolver';
import { RedisSamlReplayStore, SAML_REPLAY_STORE } from './saml/saml-replay-store';
import { PostgresSamlReplayStore } from './saml/saml-replay.repository';
import { SamlSettingsResolver } from './saml/saml-settings.resolver';
import { SamlSettingsService } from './saml/saml-settings.service';
import { SamlController } from './saml/saml.controller';
import { SamlRepository } from './saml/saml.repository';
import { SamlService } from './saml/saml.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { ViewerResolver } from './viewer.resolver';

@Module({
  imports: [AuditModule, OrganizationsModule, CredentialsModule],
  controllers: [AuthController, SamlController],
  providers: [
    AdminsRepository,
    SessionsRepository,
    SessionsService,
    AuthService,
    AdminAuthGuard,
    ViewerResolver,
    SamlRepository,
    SamlService,
    SamlSettingsService,
    SamlSettingsResolver,
    MachineCredentialsResolver,
    AdminSessionsResolver,
    {
      provide: SAML_REPLAY_STORE,
      inject: [REDIS, PrismaService, CONFIG],
      useFactory: (redis: OptionalRedis, prisma: PrismaService, config: Config) =>
        redis
          ? new RedisSamlReplayStore(redis, config.STEWARD_QUEUE_PREFIX)
          : new PostgresSamlReplayStore(prisma),
    },
  ],
  exports: [SessionsService, AdminAuthGuard],
})
export class AuthModule {}
