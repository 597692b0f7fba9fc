import { Prisma, PrismaClient } from '../../generated/prisma/client';

// Models that exist above organizations. Every other model has an `organizationId` column (a test
// holds schema.prisma to that), and the scoped client below adds it to every read and write, so a
// repository cannot forget the organization and no id from one organization reaches another's rows.
export const UNSCOPED_MODELS: ReadonlySet<string> = new Set<Prisma.ModelName>(['Organization']);

const WHERE_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
]);

export class OrganizationScopeError extends Error {}

type Args = Record<string, unknown>;

function withOrganization(data: unknown, organizationId: string): unknown {
  if (Array.isArray(data)) return data.map((row) => withOrganization(row, organizationId));
  const row = (data ?? {}) as Args;
  if (row.organizationId !== undefined && row.organizationId !== organizationId) {
    throw new OrganizationScopeError('a write named another organization');
  }
  return { ...row, organizationId };
}

export function scopeToOrganization(prisma: PrismaClient, organizationId: string) {
  return prisma.$extends({
    name: 'organization-scope',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          if (UNSCOPED_MODELS.has(model)) return query(args);
          const scoped = { ...(args as Args) };
          if (WHERE_OPERATIONS.has(operation)) {
            scoped.where = { ...(scoped.where as Args), organizationId };
          } else if (
            operation === 'create' ||
            operation === 'createMany' ||
            operation === 'createManyAndReturn'
          ) {
            scoped.data = withOrganization(scoped.data, organizationId);
          } else if (operation === 'upsert') {
            scoped.where = { ...(scoped.where as Args), organizationId };
            scoped.create = withOrganization(scoped.create, organizationId);
          } else {
            throw new OrganizationScopeError(`operation ${operation} is not organization-scoped`);
          }
          return query(scoped as typeof args);
        },
      },
    },
  });
}

export type ScopedPrisma = ReturnType<typeof scopeToOrganization>;

// The organization-scoped client inside a transaction.
export type ScopedTx = Omit<
  ScopedPrisma,
  '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'
>;
