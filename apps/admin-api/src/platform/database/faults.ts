import { Prisma } from '../../generated/prisma/client';

export type DatabaseFault = 'unique' | 'foreignKey' | 'retry' | 'expired';

// What went wrong in the database, from a Prisma error (model operations report Prisma codes, raw
// statements the driver's Postgres code) or a `pg` client's (raw SQL on a pool of its own: the
// Postgres code); undefined for anything else.
export function faultOf(error: unknown): DatabaseFault | undefined {
  const code = codeOf(error);
  if (code === '23505' || code === 'P2002') return 'unique';
  if (code === '23503' || code === 'P2003') return 'foreignKey';
  // A deadlock or serialization failure rolled the transaction back: it may run again.
  if (code === '40001' || code === '40P01' || code === 'P2034') return 'retry';
  // statement_timeout, or a transaction that outlived its deadline or never started.
  if (code === '57014' || code === 'P2028') return 'expired';
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } })?.cause;
    return cause?.originalCode ?? error.code;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
