import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { DirectoryRepository } from './directory.repository';
import { DirectoryResolver } from './directory.resolver';
import { DirectoryService } from './directory.service';

@Module({
  imports: [AuditModule, AuthModule],
  providers: [DirectoryRepository, DirectoryService, DirectoryResolver],
  exports: [DirectoryService],
})
export class DirectoryModule {}
