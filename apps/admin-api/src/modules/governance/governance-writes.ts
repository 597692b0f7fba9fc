import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry } from '../audit/audit.service';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { GovernanceRepository } from './governance.repository';
import type { GovernanceTx } from './governance.repository';
import type { GovernanceActor, Subject } from './governance.types';
import { PolicyChanges } from './policy-changes';
import type { AffectedUsers } from './policy-changes';

// A role or connector name taken, or a role bound twice to one subject (the unique key refused it).
const taken = () => new GovernanceError(GovernanceErrorCode.Conflict, 'that already exists');

// How every governance service writes: in one transaction with its audit record and the
// propagation record of the users whose effective policy it may alter (PolicyChanges), announced
// on `governance.changed` after the commit; a duplicate is a conflict.
@Injectable()
export class GovernanceWrites {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly audit: AuditService,
    private readonly changes: PolicyChanges,
  ) {}

  write<T>(
    organizationId: string,
    affected: AffectedUsers | null,
    work: (tx: GovernanceTx) => Promise<T>,
  ): Promise<T> {
    return this.changes.commit(organizationId, affected, this.repository, work, taken);
  }

  record(
    tx: GovernanceTx,
    organizationId: string,
    actor: GovernanceActor,
    action: string,
    resourceType: string,
    resourceId: string | null,
    data: AuditEntry['data'],
  ): Promise<void> {
    return this.audit.recordIn(tx, organizationId, actor, action, resourceType, resourceId, data);
  }

  // The users a binding on this subject reaches; the subject must exist in the organization unless
  // the caller is cleaning up after one that may be gone.
  usersOfSubject(
    organizationId: string,
    type: Subject,
    id: string,
    options = { mustExist: true },
  ): Promise<string[]> {
    return this.changes.reach(
      organizationId,
      type,
      id,
      options.mustExist
        ? (message) => new GovernanceError(GovernanceErrorCode.NotFound, message)
        : undefined,
    );
  }
}
