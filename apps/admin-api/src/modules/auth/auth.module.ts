import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminsRepository } from './admins.repository';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { ViewerResolver } from './viewer.resolver';

@Module({
  imports: [AuditModule, OrganizationsModule],
  controllers: [AuthController],
  providers: [
    AdminsRepository,
    SessionsRepository,
    SessionsService,
    AuthService,
    AdminAuthGuard,
    ViewerResolver,
  ],
  exports: [SessionsService, AdminAuthGuard],
})
export class AuthModule {}
