import type {
  DirectoryGroup,
  DirectoryUser,
  DirectoryUserEmail,
  DirectoryUserPhone,
} from '../../generated/prisma/client';

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
  active: boolean;
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

export interface DirectoryActor {
  type: 'scim' | 'admin' | 'system';
  id?: string;
}

export type DirectoryErrorCode =
  'not_found' | 'version_mismatch' | 'user_name_taken' | 'unknown_members';

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// The change signal bundles listen to: which users' effective policy may have changed.
export const DIRECTORY_CHANGED_CHANNEL = 'directory.changed';

export interface DirectoryChanged {
  organizationId: string;
  userIds: string[];
  groupIds: string[];
}
