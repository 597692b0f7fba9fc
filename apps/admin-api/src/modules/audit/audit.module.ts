import { Module } from '@nestjs/common';
import { AuditVerifier } from './audit-verifier';
import { AuditService } from './audit.service';

// The chain itself: every module appends through AuditService; the operator CLI verifies with
// AuditVerifier. The audit log's API (query, verify, exports, retention) is AuditApiModule, apart
// so that modules the API needs (auth, credentials) can themselves record to the chain.
@Module({
  providers: [AuditService, AuditVerifier],
  exports: [AuditService, AuditVerifier],
})
export class AuditModule {}
