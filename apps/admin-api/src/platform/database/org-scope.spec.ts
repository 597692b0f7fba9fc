import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';
import { OrganizationScopeError, scopeToOrganization, UNSCOPED_MODELS } from './org-scope';

const SCHEMA = fs.readFileSync(path.join(__dirname, '../../../../../prisma/schema.prisma'), 'utf8');

describe('organization scoping', () => {
  let prisma: PrismaClient;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL! }),
    });
    const suffix = Math.random().toString(36).slice(2, 8);
    orgA = (await prisma.organization.create({ data: { name: 'A', slug: `scope-a-${suffix}` } }))
      .id;
    orgB = (await prisma.organization.create({ data: { name: 'B', slug: `scope-b-${suffix}` } }))
      .id;
  });

  afterAll(() => prisma.$disconnect());

  it('covers every table: each model but the unscoped ones has an organizationId column', () => {
    const models = [...SCHEMA.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
    expect(models.length).toBeGreaterThan(3);
    const unscopedWithout = models
      .filter(([, name, body]) => !UNSCOPED_MODELS.has(name) && !/^\s+organizationId\s/m.test(body))
      .map(([, name]) => name);
    expect(unscopedWithout).toEqual([]);
  });

  it("never reads, updates or deletes another organization's rows, even by id", async () => {
    const credential = await scopeToOrganization(prisma, orgA).credential.create({
      data: {
        type: 'scim',
        name: 'a',
        secretHash: `hash-${orgA}`,
        hint: 'stw_scim_x…',
        scopes: [],
        organizationId: orgA,
      },
    });
    const asB = scopeToOrganization(prisma, orgB);
    expect(await asB.credential.findUnique({ where: { id: credential.id } })).toBeNull();
    expect(await asB.credential.findMany()).toEqual([]);
    expect(await asB.credential.count()).toBe(0);
    expect((await asB.credential.updateMany({ data: { name: 'pwned' } })).count).toBe(0);
    await expect(
      asB.credential.update({ where: { id: credential.id }, data: { name: 'pwned' } }),
    ).rejects.toThrow();
    await expect(asB.credential.delete({ where: { id: credential.id } })).rejects.toThrow();
    const unchanged = await prisma.credential.findUniqueOrThrow({ where: { id: credential.id } });
    expect(unchanged.name).toBe('a');
  });

  it('stamps its organization on creates and refuses a write naming another', async () => {
    const asA = scopeToOrganization(prisma, orgA);
    const created = await asA.credential.create({
      data: {
        type: 'scim',
        name: 'stamped',
        secretHash: `stamped-${orgA}`,
        hint: 'h',
        scopes: [],
      } as never,
    });
    expect(created.organizationId).toBe(orgA);
    await expect(
      asA.credential.create({
        data: {
          type: 'scim',
          name: 'x',
          secretHash: `other-${orgB}`,
          hint: 'h',
          scopes: [],
          organizationId: orgB,
        },
      }),
    ).rejects.toBeInstanceOf(OrganizationScopeError);
  });
});
