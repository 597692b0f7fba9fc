import {
  Args,
  Field,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from '@nestjs/graphql';
import { UseFilters } from '@nestjs/common';
import { AuditExport } from '../../generated/prisma/client';
import type { AdminPrincipal } from '../auth/admin-principal';
import {
  CurrentAdmin,
  EXPORT_ROLES,
  OWNER_ROLES,
  READ_ROLES,
  RequireAdmin,
  WRITE_ROLES,
} from '../auth/admin-auth.guard';
import { AuditExportsService, ExportFormat } from './audit-exports.service';
import { AuditFilter, AuditQueryService } from './audit-query.service';
import { AuditRetentionService } from './audit-retention.service';
import { AuditErrorFilter } from './audit.errors';
import { AuditVerifier } from './audit-verifier';

@InputType()
export class AuditFilterInput {
  @Field({ nullable: true }) actorType?: string;
  @Field({ nullable: true }) actorId?: string;
  @Field({ nullable: true, description: 'Exact action, or a prefix ending in * (credential.*)' })
  action?: string;
  @Field({ nullable: true }) resourceType?: string;
  @Field({ nullable: true }) resourceId?: string;
  @Field({ nullable: true, description: 'From this instant (inclusive)' }) from?: Date;
  @Field({ nullable: true, description: 'Until this instant (exclusive)' }) to?: Date;
}

@ObjectType()
export class AuditRecord {
  @Field() seq!: string;
  @Field(() => ID) id!: string;
  @Field() occurredAt!: string;
  @Field() actorType!: string;
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field() action!: string;
  @Field() resourceType!: string;
  @Field(() => String, { nullable: true }) resourceId!: string | null;
  @Field({ description: 'The record data as JSON' }) data!: string;
  @Field() prevHash!: string;
  @Field() hash!: string;
}

@ObjectType()
export class AuditRecordPage {
  @Field(() => [AuditRecord]) records!: AuditRecord[];
  @Field(() => String, { nullable: true }) nextCursor!: string | null;
}

@ObjectType()
export class AuditBadRecord {
  @Field() seq!: string;
  @Field(() => String, { nullable: true }) id!: string | null;
  @Field({ description: 'edited, broken-link, missing, truncated or events-changed' })
  problem!: string;
  @Field() detail!: string;
}

@ObjectType()
export class AuditVerification {
  @Field() ok!: boolean;
  @Field(() => Int) checked!: number;
  @Field() fromSeq!: string;
  @Field() headSeq!: string;
  @Field(() => AuditBadRecord, { nullable: true }) firstBad!: AuditBadRecord | null;
}

@ObjectType()
export class AuditExportInfo {
  @Field(() => ID) id!: string;
  @Field() format!: string;
  @Field() status!: string;
  @Field(() => Int) progress!: number;
  @Field(() => Int) rowCount!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) completedAt!: Date | null;
  @Field({ description: 'Console download (admin session); API keys use /api/v1/audit/exports' })
  downloadPath!: string;
}

@ObjectType()
export class AuditRetention {
  @Field(() => Int, { nullable: true }) retentionDays!: number | null;
  @Field() legalHold!: boolean;
  @Field(() => String, { nullable: true }) legalHoldReason!: string | null;
}

export function exportInfo(row: AuditExport): AuditExportInfo {
  return {
    id: row.id,
    format: row.format,
    status: row.status,
    progress: row.progress,
    rowCount: row.rowCount,
    error: row.error,
    createdAt: row.createdAt,
    completedAt: row.completedAt,
    downloadPath: `/api/console/audit/exports/${row.id}/download`,
  };
}

function filterOf(input?: AuditFilterInput | null): AuditFilter {
  return { ...(input ?? {}) };
}

@Resolver()
@UseFilters(AuditErrorFilter)
export class AuditResolver {
  constructor(
    private readonly queries: AuditQueryService,
    private readonly verifier: AuditVerifier,
    private readonly exports: AuditExportsService,
    private readonly retention: AuditRetentionService,
  ) {}

  @Query(() => AuditRecordPage, { description: 'The audit log, newest first.' })
  @RequireAdmin(...READ_ROLES)
  async auditRecords(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('filter', { type: () => AuditFilterInput, nullable: true }) filter?: AuditFilterInput,
    @Args('first', { type: () => Int, defaultValue: 50 }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<AuditRecordPage> {
    const page = await this.queries.query(admin.organizationId, filterOf(filter), {
      after: after ?? undefined,
      limit: first ?? 50,
    });
    return {
      records: page.records.map((r) => ({ ...r, data: JSON.stringify(r.data) })),
      nextCursor: page.nextCursor,
    };
  }

  @Query(() => AuditVerification, { description: 'Recomputes the hash chain.' })
  @RequireAdmin(...READ_ROLES)
  verifyAuditLog(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('events', {
      defaultValue: false,
      description: 'Also re-hash the agent events of every ingest batch (reads every event).',
    })
    events: boolean,
  ): Promise<AuditVerification> {
    return this.verifier.verify(admin.organizationId, { events });
  }

  @Query(() => AuditRetention)
  @RequireAdmin(...READ_ROLES)
  auditRetention(@CurrentAdmin() admin: AdminPrincipal): Promise<AuditRetention> {
    return this.retention.settings(admin.organizationId);
  }

  @Query(() => AuditExportInfo)
  @RequireAdmin(...EXPORT_ROLES)
  async auditExport(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<AuditExportInfo> {
    return exportInfo(await this.exports.get(admin.organizationId, id));
  }

  @Mutation(() => AuditExportInfo, { description: 'Starts an export job (ndjson or csv).' })
  @RequireAdmin(...EXPORT_ROLES)
  async requestAuditExport(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('format') format: string,
    @Args('filter', { type: () => AuditFilterInput, nullable: true }) filter?: AuditFilterInput,
  ): Promise<AuditExportInfo> {
    const created = await this.exports.request(
      admin.organizationId,
      format as ExportFormat,
      filterOf(filter),
      { type: 'admin', id: admin.adminId },
    );
    return exportInfo(created);
  }

  @Mutation(() => AuditRetention, {
    description:
      'Days audit records are kept, with the agent events they vouch for and the spend ledger (null: forever); at least 30.',
  })
  @RequireAdmin(...OWNER_ROLES)
  async setAuditRetention(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('retentionDays', { type: () => Int, nullable: true }) retentionDays: number | null,
  ): Promise<AuditRetention> {
    return await this.retention.update(
      admin.organizationId,
      { retentionDays },
      { type: 'admin', id: admin.adminId },
    );
  }

  @Mutation(() => AuditRetention, { description: 'While held, retention deletes nothing.' })
  @RequireAdmin(...WRITE_ROLES)
  async setAuditLegalHold(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('hold') hold: boolean,
    @Args('reason', { type: () => String, nullable: true }) reason?: string,
  ): Promise<AuditRetention> {
    return this.retention.update(
      admin.organizationId,
      { legalHold: hold, legalHoldReason: reason ?? null },
      { type: 'admin', id: admin.adminId },
    );
  }
}
