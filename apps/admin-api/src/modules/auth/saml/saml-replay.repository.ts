import { PrismaService } from '../../../platform/database/prisma.service';
import type { SamlReplayStore } from './saml-replay-store';

// Without Redis the same guarantees come from Postgres: a conditional upsert and a DELETE …
// RETURNING are each one atomic statement, also across processes sharing the database.
export class PostgresSamlReplayStore implements SamlReplayStore {
  constructor(private readonly prisma: PrismaService) {}

  async rememberRequest(organizationId: string, requestId: string, ttlMs: number): Promise<void> {
    await this.put(organizationId, 'request', requestId, new Date(Date.now() + ttlMs));
  }

  async consumeRequest(organizationId: string, requestId: string): Promise<boolean> {
    const deleted = await this.prisma.$queryRaw<unknown[]>`
      DELETE FROM "SamlReplayEntry"
      WHERE "organizationId" = ${organizationId}::uuid AND kind = 'request' AND key = ${requestId}
        AND "expiresAt" > ${new Date()}
      RETURNING key`;
    return deleted.length === 1;
  }

  async acceptAssertionOnce(
    organizationId: string,
    assertionId: string,
    expiresAt: Date,
  ): Promise<boolean> {
    return (await this.put(organizationId, 'assertion', assertionId, expiresAt)) === 1;
  }

  // Inserts, or takes over an expired entry; 0 when a live entry already holds the key.
  // Times are compared with the process clock, as Prisma writes them (UTC, without time zone).
  private async put(organizationId: string, kind: string, key: string, expiresAt: Date) {
    const now = new Date();
    await this.prisma.$executeRaw`
      DELETE FROM "SamlReplayEntry" WHERE "organizationId" = ${organizationId}::uuid
        AND "expiresAt" <= ${now}`;
    return this.prisma.$executeRaw`
      INSERT INTO "SamlReplayEntry" ("organizationId", kind, key, "expiresAt")
      VALUES (${organizationId}::uuid, ${kind}, ${key}, ${expiresAt})
      ON CONFLICT ("organizationId", kind, key) DO UPDATE SET "expiresAt" = EXCLUDED."expiresAt"
        WHERE "SamlReplayEntry"."expiresAt" <= ${now}`;
  }
}
