import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';
import { DATABASE } from './database';
import type { DatabaseHandle } from './database';
import { scopeToOrganization, ScopedPrisma } from './org-scope';

// The one Prisma client of a process. Feature repositories take `forOrganization(id)` — a client
// that adds the organization to every query — and use the raw client only for organization-less
// lookups (an organization by slug, a credential by its secret's hash).
const logger = new Logger('Database');

// A connection Postgres drops (a restart, a failover) is discarded by the pool and replaced on the
// next query; the requests it was serving are answered 503 (platform/http/unexpected-error.ts).
function connectionLost(error: Error): void {
  logger.warn(`a database connection failed: ${error.message}`);
}

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {
    super({
      adapter: new PrismaPg(
        { connectionString: database.url, max: database.embedded ? 10 : 20 },
        { onPoolError: connectionLost, onConnectionError: connectionLost },
      ),
    });
  }

  forOrganization(organizationId: string): ScopedPrisma {
    return scopeToOrganization(this, organizationId);
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.database.close();
  }
}
