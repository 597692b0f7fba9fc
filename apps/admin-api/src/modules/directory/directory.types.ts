import type {
  DirectoryGroup,
  DirectoryUser,
  DirectoryUserEmail,
  DirectoryUserPhone,
} from '../../generated/prisma/client';
import { Refusal } from '../../platform/http/refusal';

export type { DirectoryGroup, DirectoryUser };

export type DirectoryUserRecord = DirectoryUser & {
  emails: DirectoryUserEmail[];
  phoneNumbers: DirectoryUserPhone[];
};

export interface DirectoryGroupRecord extends DirectoryGroup {
  // Absent when the caller did not ask for members (a group may have thousands).
  memberIds?: string[];
}

export interface ContactWrite {
  value: string;
  type: string | null;
  primary: boolean;
  display: string | null;
}

// Everything a client may set on a user; what it leaves out is cleared (replace semantics).
export interface UserWrite {
  userName: string;
  externalId: string | null;
  // null: unassigned, which grants nothing (like false).
  active: boolean | null;
  displayName: string | null;
  nickName: string | null;
  profileUrl: string | null;
  title: string | null;
  userType: string | null;
  preferredLanguage: string | null;
  locale: string | null;
  timezone: string | null;
  formattedName: string | null;
  familyName: string | null;
  givenName: string | null;
  middleName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
  addresses: Record<string, unknown>[] | null;
  employeeNumber: string | null;
  costCenter: string | null;
  enterpriseOrg: string | null;
  division: string | null;
  department: string | null;
  managerValue: string | null;
  managerRef: string | null;
  managerDisplay: string | null;
  emails: ContactWrite[];
  phoneNumbers: ContactWrite[];
}

export interface GroupWrite {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

export interface Page<T> {
  total: number;
  items: T[];
}

// A user or a group, by id.
export interface DirectorySubject {
  type: 'user' | 'group';
  id: string;
}

export interface DirectoryActor {
  type: 'scim' | 'admin' | 'system';
  id?: string;
}

// NUL, or half of a UTF-16 surrogate pair: text Postgres cannot store (text refuses NUL; the
// driver would silently turn a lone surrogate into U+FFFD).
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(value: string): boolean {
  return !UNSTORABLE_TEXT.test(value);
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

// A query over users or groups in the directory's own attribute names (SCIM's, since the directory
// stores SCIM's model: `userName`, `name.givenName`, `emails.value`, `enterprise.manager`,
// `meta.lastModified`). Only the directory turns it into SQL (directory-filter.repository.ts).
export type DirectoryFilter =
  | { op: 'and' | 'or'; filters: DirectoryFilter[] }
  | { op: 'not'; filter: DirectoryFilter }
  | { op: 'pr'; field: string }
  | { op: CompareOp; field: string; value: FilterValue }
  // Some value of a multi-valued attribute satisfies `filter`, whose fields name its sub-attributes.
  | { op: 'some'; field: string; filter: DirectoryFilter };

// `or` of nothing: a filter that matches no record.
export const MATCH_NONE: DirectoryFilter = { op: 'or', filters: [] };

export enum DirectoryErrorCode {
  NotFound = 'not_found',
  VersionMismatch = 'version_mismatch',
  UserNameTaken = 'user_name_taken',
  UnknownMembers = 'unknown_members',
  InvalidFilter = 'invalid_filter',
  // A value the directory does not take (an empty name, text Postgres cannot store).
  InvalidValue = 'invalid_value',
  // The console asked to change a person or group the identity provider manages (SCIM).
  ManagedByIdentityProvider = 'managed_by_identity_provider',
  // The write did not finish within its deadline and was rolled back: safe to retry.
  Busy = 'busy',
}

export class DirectoryError extends Refusal<DirectoryErrorCode> {}

// The change signal bundles listen to: which users' effective policy may have changed.
export const DIRECTORY_CHANGED_CHANNEL = 'directory.changed';

export interface DirectoryChanged {
  organizationId: string;
  userIds: string[];
  groupIds: string[];
}
