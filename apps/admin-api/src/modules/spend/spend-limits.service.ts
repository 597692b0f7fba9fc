import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry } from '../audit/audit.service';
import { DirectoryService } from '../directory/directory.service';
import type { GovernanceActor, Subject } from '../governance/governance.types';
import { PolicyChanges } from '../governance/policy-changes';
import { OrganizationsService } from '../organizations/organizations.service';
import { SpendError, SpendErrorCode } from './spend.errors';
import { SpendLimitsRepository } from './spend-limits.repository';
import type { SpendLimitsTx } from './spend-limits.repository';
import type { SpendLimitForUser, SpendLimitWrite } from './spend-limits.types';
import { isUuid } from '../../platform/database/uuid';

const DECIMAL_USD = /^\d{1,12}(\.\d{1,6})?$/;

// A second limit of one subject and period (the unique key refused it).
const limitTaken = () => new SpendError(SpendErrorCode.Conflict, 'that already exists');

// A limit names a user or group that is not in the organization.
const subjectMissing = (message: string) => new SpendError(SpendErrorCode.NotFound, message);

// Spend limit definitions: budgets of groups and people per period, hard or soft, with alert
// thresholds. A write changes what leases are reserved against, so like a governance change it is
// audited and recorded for propagation in its own transaction, then announced on
// `governance.changed` (PolicyChanges), which also drops the spend module's cached limits.
@Injectable()
export class SpendLimitsService implements OnModuleInit {
  constructor(
    private readonly repository: SpendLimitsRepository,
    private readonly directory: DirectoryService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    private readonly changes: PolicyChanges,
  ) {}

  // A deleted user's or group's limits go with it, in the directory's transaction.
  onModuleInit(): void {
    this.directory.onSubjectDeleted(async (tx, subject) => ({
      removedSpendLimits: await this.repository.deleteOf(tx, subject.type, subject.id),
    }));
  }

  list(organizationId: string, subject?: { type: Subject; id: string }) {
    return this.repository.list(
      organizationId,
      subject ? { subjectType: subject.type, subjectId: subject.id } : {},
    );
  }

  // The limits that apply to a user: their own and those of every group they belong to, each
  // reserved against by a lease.
  async forUser(organizationId: string, userId: string): Promise<SpendLimitForUser[]> {
    const organization = await this.organizations.findById(organizationId);
    if (!organization) {
      throw new SpendError(SpendErrorCode.NotFound, `no organization ${organizationId}`);
    }
    const groupIds = await this.directory.groupIdsOfUser(organizationId, userId);
    const limits = await this.repository.reaching(organizationId, userId, groupIds);
    return limits.map((limit) => ({
      id: limit.id,
      subjectType: limit.subjectType,
      subjectId: limit.subjectId,
      amountUsd: limit.amountUsd,
      period: limit.period,
      enforcement: limit.enforcement,
      alertThresholds: limit.alertThresholds,
      timeZone: organization.timeZone,
    }));
  }

  // The limit, or null when there is none (or no longer one) of that id.
  async find(organizationId: string, id: string) {
    return isUuid(id) ? this.repository.find(organizationId, id) : null;
  }

  async get(organizationId: string, id: string) {
    const limit = await this.find(organizationId, id);
    if (!limit) throw new SpendError(SpendErrorCode.NotFound, `no spend limit ${id}`);
    return limit;
  }

  async create(organizationId: string, input: SpendLimitWrite, actor: GovernanceActor) {
    const limit = validateSpendLimit(input);
    const affected = await this.changes.reach(
      organizationId,
      limit.subjectType,
      limit.subjectId,
      subjectMissing,
    );
    return this.write(organizationId, affected, async (tx) => {
      const row = await this.repository.create(tx, organizationId, limit);
      await this.record(tx, organizationId, actor, 'governance.spend_limit.created', row.id, {
        ...limit,
      });
      return row;
    });
  }

  async update(organizationId: string, id: string, input: SpendLimitWrite, actor: GovernanceActor) {
    const current = await this.get(organizationId, id);
    const limit = validateSpendLimit(input);
    const affected = [
      ...(await this.changes.reach(organizationId, current.subjectType, current.subjectId)),
      ...(await this.changes.reach(
        organizationId,
        limit.subjectType,
        limit.subjectId,
        subjectMissing,
      )),
    ];
    return this.write(organizationId, affected, async (tx) => {
      const row = await this.repository.update(tx, id, limit);
      await this.record(tx, organizationId, actor, 'governance.spend_limit.updated', id, {
        ...limit,
      });
      return row;
    });
  }

  async delete(organizationId: string, id: string, actor: GovernanceActor): Promise<void> {
    const current = await this.get(organizationId, id);
    const affected = await this.changes.reach(
      organizationId,
      current.subjectType,
      current.subjectId,
    );
    await this.write(organizationId, affected, async (tx) => {
      await this.repository.delete(tx, id);
      await this.record(tx, organizationId, actor, 'governance.spend_limit.deleted', id, {});
    });
  }

  private write<T>(
    organizationId: string,
    affected: string[],
    work: (tx: SpendLimitsTx) => Promise<T>,
  ): Promise<T> {
    return this.changes.commit(organizationId, affected, this.repository, work, limitTaken);
  }

  private record(
    tx: SpendLimitsTx,
    organizationId: string,
    actor: GovernanceActor,
    action: string,
    limitId: string,
    data: AuditEntry['data'],
  ): Promise<void> {
    return this.audit.recordIn(tx, organizationId, actor, action, 'spend_limit', limitId, data);
  }
}

function validateSpendLimit(input: SpendLimitWrite): SpendLimitWrite {
  if (!DECIMAL_USD.test(input.amountUsd) || Number(input.amountUsd) <= 0) {
    throw new SpendError(
      SpendErrorCode.Invalid,
      'amountUsd must be a positive decimal like "250.00" (up to 6 decimals)',
    );
  }
  const thresholds = [...new Set(input.alertThresholds)].sort((a, b) => a - b);
  if (thresholds.some((value) => !Number.isInteger(value) || value < 1 || value > 100)) {
    throw new SpendError(
      SpendErrorCode.Invalid,
      'alert thresholds are whole percentages from 1 to 100',
    );
  }
  if (!isUuid(input.subjectId)) {
    throw new SpendError(SpendErrorCode.NotFound, `no ${input.subjectType} ${input.subjectId}`);
  }
  return { ...input, alertThresholds: thresholds };
}
