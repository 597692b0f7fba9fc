import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { PropagationModule } from '../propagation/propagation.module';
import { DirectoryRepository } from './directory.repository';
import { DirectoryResolver } from './directory.resolver';
import { DirectoryWritesResolver } from './directory-writes.resolver';
import { DirectoryService } from './directory.service';

@Module({
  imports: [AuditModule, AuthModule, PropagationModule],
  providers: [DirectoryRepository, DirectoryService, DirectoryResolver, DirectoryWritesResolver],
  exports: [DirectoryService],
})
export class DirectoryModule {}
