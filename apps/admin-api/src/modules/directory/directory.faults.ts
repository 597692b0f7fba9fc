import { Prisma } from '../../generated/prisma/client';
import { DirectoryError } from './directory.types';

type Fault = 'unique' | 'foreignKey' | 'retry' | 'expired';

// What went wrong in the database, from a Prisma error (model operations report Prisma codes, raw
// statements the driver's Postgres code).
export function faultOf(error: unknown): Fault | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } })?.cause;
  const code = cause?.originalCode ?? error.code;
  if (code === '23505' || code === 'P2002') return 'unique';
  if (code === '23503' || code === 'P2003') return 'foreignKey';
  // A deadlock or serialization failure rolled the transaction back: it may run again.
  if (code === '40001' || code === '40P01' || code === 'P2034') return 'retry';
  // statement_timeout, or a transaction that outlived its deadline or never started.
  if (code === '57014' || code === 'P2028') return 'expired';
  return undefined;
}

// Database faults of a directory write as directory errors. userName is the only unique column a
// client sets; a foreign key fails when a member is deleted while being added.
export function directoryFault(error: unknown): unknown {
  switch (faultOf(error)) {
    case 'unique':
      return new DirectoryError('user_name_taken', 'userName is already taken');
    case 'foreignKey':
      return new DirectoryError('unknown_members', 'a member was deleted meanwhile');
    case 'retry':
    case 'expired':
      return new DirectoryError('busy', 'the directory change did not finish in time');
    default:
      return error;
  }
}
