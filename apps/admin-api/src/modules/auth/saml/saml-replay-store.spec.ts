import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PrismaService } from '../../../platform/database/prisma.service';
import { RedisSamlReplayStore, SamlReplayStore } from './saml-replay-store';
import { PostgresSamlReplayStore } from './saml-replay.repository';

// Both stores on the run's real Postgres and Redis (test/support/global-setup).
describe.each(['Redis', 'Postgres'])('SAML replay store in %s', (kind) => {
  let prisma: PrismaService;
  let redis: Redis;
  let store: SamlReplayStore;
  let organizationA: string;
  let organizationB: string;

  beforeAll(async () => {
    prisma = new PrismaService({
      url: process.env.DATABASE_URL!,
      embedded: false,
      close: async () => undefined,
    });
    redis = new Redis(process.env.REDIS_URL!);
    store =
      kind === 'Redis'
        ? new RedisSamlReplayStore(redis, process.env.STEWARD_QUEUE_PREFIX!)
        : new PostgresSamlReplayStore(prisma);
    const slug = () => `replay-${randomUUID()}`;
    organizationA = (await prisma.organization.create({ data: { slug: slug(), name: 'A' } })).id;
    organizationB = (await prisma.organization.create({ data: { slug: slug(), name: 'B' } })).id;
  });

  afterAll(async () => {
    redis.disconnect();
    await prisma.$disconnect();
  });

  const inFiveMinutes = () => new Date(Date.now() + 5 * 60_000);

  it('lets a remembered request be answered once, and only in its organization', async () => {
    const requestId = `_${randomUUID()}`;
    await store.rememberRequest(organizationA, requestId, 60_000);
    expect(await store.consumeRequest(organizationB, requestId)).toBe(false);
    expect(await store.consumeRequest(organizationA, requestId)).toBe(true);
    expect(await store.consumeRequest(organizationA, requestId)).toBe(false);
    expect(await store.consumeRequest(organizationA, `_${randomUUID()}`)).toBe(false);
  });

  it('accepts an assertion id once per organization', async () => {
    const assertionId = `_${randomUUID()}`;
    expect(await store.acceptAssertionOnce(organizationA, assertionId, inFiveMinutes())).toBe(true);
    expect(await store.acceptAssertionOnce(organizationA, assertionId, inFiveMinutes())).toBe(
      false,
    );
    expect(await store.acceptAssertionOnce(organizationB, assertionId, inFiveMinutes())).toBe(true);
  });

  it('accepts exactly one of many simultaneous uses', async () => {
    const assertionId = `_${randomUUID()}`;
    const requestId = `_${randomUUID()}`;
    await store.rememberRequest(organizationA, requestId, 60_000);
    const [accepted, consumed] = await Promise.all([
      Promise.all(
        Array.from({ length: 16 }, () =>
          store.acceptAssertionOnce(organizationA, assertionId, inFiveMinutes()),
        ),
      ),
      Promise.all(Array.from({ length: 16 }, () => store.consumeRequest(organizationA, requestId))),
    ]);
    expect(accepted.filter(Boolean)).toHaveLength(1);
    expect(consumed.filter(Boolean)).toHaveLength(1);
  });

  if (kind === 'Postgres') {
    it('lets an expired entry be taken over and never consumes an expired request', async () => {
      const past = new Date(Date.now() - 1000);
      const assertionId = `_${randomUUID()}`;
      await prisma.samlReplayEntry.create({
        data: {
          organizationId: organizationA,
          kind: 'assertion',
          key: assertionId,
          expiresAt: past,
        },
      });
      expect(await store.acceptAssertionOnce(organizationA, assertionId, inFiveMinutes())).toBe(
        true,
      );
      const requestId = `_${randomUUID()}`;
      await prisma.samlReplayEntry.create({
        data: { organizationId: organizationA, kind: 'request', key: requestId, expiresAt: past },
      });
      expect(await store.consumeRequest(organizationA, requestId)).toBe(false);
    });
  }
});
