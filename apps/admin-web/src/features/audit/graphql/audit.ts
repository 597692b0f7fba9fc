import { graphql, type ResultOf, type VariablesOf } from '../../../lib/graphql';

export const AuditRecordsQuery = graphql(`
  query AuditRecords($filter: AuditFilterInput, $after: String) {
    auditRecords(filter: $filter, after: $after, first: 50) {
      nextCursor
      records {
        id
        seq
        occurredAt
        actorType
        actorId
        action
        resourceType
        resourceId
        data
      }
    }
  }
`);
export const VerifyAuditLogQuery = graphql(`
  query VerifyAuditLog {
    verifyAuditLog {
      ok
      checked
      fromSeq
      headSeq
      firstBad {
        seq
        problem
        detail
      }
    }
  }
`);
export const AuditRetentionQuery = graphql(`
  query AuditRetention {
    auditRetention {
      retentionDays
      legalHold
      legalHoldReason
    }
  }
`);
export const RequestAuditExportMutation = graphql(`
  mutation RequestAuditExport($format: String!, $filter: AuditFilterInput) {
    requestAuditExport(format: $format, filter: $filter) {
      id
    }
  }
`);
export const AuditExportQuery = graphql(`
  query AuditExport($id: ID!) {
    auditExport(id: $id) {
      id
      format
      status
      progress
      rowCount
      error
      downloadPath
      createdAt
      completedAt
    }
  }
`);

export type AuditFilter = NonNullable<VariablesOf<typeof AuditRecordsQuery>['filter']>;
export type AuditExport = ResultOf<typeof AuditExportQuery>['auditExport'];

export const AdminsQuery = graphql(`
  query Admins {
    admins {
      id
      email
      name
      role
      source
      createdAt
      lastSignInAt
    }
  }
`);

export type AuditRecordRow = ResultOf<typeof AuditRecordsQuery>['auditRecords']['records'][number];
export type AdminInfo = ResultOf<typeof AdminsQuery>['admins'][number];
