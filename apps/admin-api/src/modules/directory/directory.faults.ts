import { faultOf } from '../../platform/database/faults';
import { DirectoryError, DirectoryErrorCode } from './directory.types';

// Database faults of a directory write as directory errors. userName is the only unique column a
// client sets; a foreign key fails when a member is deleted while being added.
export function directoryFault(error: unknown): unknown {
  switch (faultOf(error)) {
    case 'unique':
      return new DirectoryError(DirectoryErrorCode.UserNameTaken, 'userName is already taken');
    case 'foreignKey':
      return new DirectoryError(
        DirectoryErrorCode.UnknownMembers,
        'a member was deleted meanwhile',
      );
    case 'retry':
    case 'expired':
      return new DirectoryError(
        DirectoryErrorCode.Busy,
        'the directory change did not finish in time',
      );
    default:
      return error;
  }
}
