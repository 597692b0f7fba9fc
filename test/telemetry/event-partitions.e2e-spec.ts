import { randomUUID } from 'node:crypto';
import {
  EventPartitions,
  partitionName,
  utcDay,
} from '../../apps/admin-api/src/modules/telemetry/event-partitions.repository';
import { startTestApi, TestApi } from '../support/api';
import { telemetryFixture } from './events';

describe('agent event partitions', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  const exists = async (day: string) => {
    const [{ found }] = await api.prisma.$queryRaw<{ found: boolean }[]>`
      SELECT to_regclass(${`"${partitionName(day)}"`}) IS NOT NULL AS found`;
    return found;
  };

  it('drops emptied partitions older than ingest accepts, and keeps the rest', async () => {
    const partitions = api.get(EventPartitions);
    const daysAgo = (n: number) => utcDay(new Date(Date.now() - n * 86_400_000));
    const emptied = daysAgo(120);
    const stillHolding = daysAgo(121);
    const recentEmpty = daysAgo(80);
    await partitions.ensure([emptied, stillHolding, recentEmpty]);

    // An event retention has not deleted yet (its organization keeps events, or is on hold).
    const org = await telemetryFixture(api, 'Old Events Co');
    await api.prisma.$executeRaw`
      INSERT INTO "AgentEvent" ("organizationId", day, id, "occurredAt", type, "userId",
        "endpointId", "sessionId", "batchId", payload)
      VALUES (${org.organizationId}::uuid, ${stillHolding}::date, ${randomUUID()}::uuid,
        ${`${stillHolding}T12:00:00Z`}::timestamp, 'session.started', 'u', 'e', 's',
        ${randomUUID()}::uuid, '{}')`;

    const dropped = await partitions.dropEmptyPast();
    expect(dropped).toContain(emptied);
    expect(dropped).not.toContain(stillHolding);
    expect(dropped).not.toContain(recentEmpty);
    expect(await exists(emptied)).toBe(false);
    expect(await exists(stillHolding)).toBe(true);
    expect(await exists(recentEmpty)).toBe(true);
    expect(await exists(utcDay(new Date()))).toBe(true);
  });
});
