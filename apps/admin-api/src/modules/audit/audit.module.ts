import { Module } from '@nestjs/common';
import { EventStoreModule } from '../telemetry/event-store.module';
import { AuditVerifier } from './audit-verifier';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

// The chain itself: every module appends through AuditService; the operator CLI verifies with
// AuditVerifier. The audit log's API (query, verify, exports, retention) is AuditApiModule, apart
// so that modules the API needs (auth, credentials) can themselves record to the chain.
// The verifier re-hashes ingest batches through telemetry's event store.
@Module({
  imports: [EventStoreModule],
  providers: [AuditRepository, AuditService, AuditVerifier],
  exports: [AuditRepository, AuditService, AuditVerifier],
})
export class AuditModule {}
