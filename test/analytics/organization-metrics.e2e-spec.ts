import { createEvent } from '@steward/telemetry';
import { JobName } from '../../apps/admin-api/src/platform/jobs/job-names';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi, TestApi } from '../support/api';
import { sessionEvents, telemetryFixture, upload } from '../telemetry/events';

const QUERY = `query($from: String, $to: String) {
  organizationMetrics(from: $from, to: $to) {
    from to
    totals { activeUsers sessions toolCalls toolCallsAllowed toolCallsAsked toolCallsDenied
      plansApprovedManual plansApprovedAuto modelRequests costUsd policyViolations }
    days { day activeUsers sessions toolCallsAllowed toolCallsDenied plansApprovedManual
      plansApprovedAuto costUsd }
  }
}`;

interface Activity {
  activeUsers: number;
  sessions: number;
  toolCalls: number;
  toolCallsAllowed: number;
  toolCallsAsked: number;
  toolCallsDenied: number;
  plansApprovedManual: number;
  plansApprovedAuto: number;
  modelRequests: number;
  costUsd: string;
  policyViolations: number;
}

interface Metrics {
  organizationMetrics: {
    from: string;
    to: string;
    totals: Activity;
    days: (Partial<Activity> & { day: string })[];
  };
}

function dayText(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

function middayOf(daysAgo: number): Date {
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  at.setUTCHours(10, 0, 0, 0);
  return at;
}

// The Overview's time series: events go in through endpoint ingest, the rollup job folds them
// into daily rows, and the console's GraphQL query reads them back for its own organization only.
describe('organization metrics for the console', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('serves every day of the range from the rollups, for the caller’s organization only', async () => {
    const acme = await telemetryFixture(api, 'Metrics Acme');
    const other = await telemetryFixture(api, 'Metrics Other');
    const alice = await acme.enrol('alice');
    const bob = await acme.enrol('bob');
    const mallory = await other.enrol('mallory');

    // Two days ago Alice works twice and Bob once; one of Bob's plans he approved himself.
    const twoDaysAgo = middayOf(2);
    const bobEvents = sessionEvents(bob.subject('b1'), twoDaysAgo, '0.25');
    bobEvents.push(
      createEvent(
        bob.subject('b1'),
        { type: 'plan.approved', source: 'manual', approvedBy: 'bob', plan: 'one more step' },
        new Date(twoDaysAgo.getTime() + 30_000),
      ),
    );
    const stored = await Promise.all([
      upload(api, alice.secret, [
        ...sessionEvents(alice.subject('a1'), twoDaysAgo, '0.5'),
        ...sessionEvents(alice.subject('a2'), new Date(twoDaysAgo.getTime() + 60_000), '0.125'),
        // Yesterday, once more.
        ...sessionEvents(alice.subject('a3'), middayOf(1), '1'),
      ]),
      upload(api, bob.secret, bobEvents),
      // Another organization's busy day must not show up in Acme's charts.
      upload(api, mallory.secret, sessionEvents(mallory.subject('m1'), twoDaysAgo, '99')),
    ]);
    expect(stored.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await api.jobs.enqueue(JobName.AnalyticsRollup);
    await api.jobs.drain();

    for (const role of ['owner', 'auditor', 'billing'] as const) {
      const session = await signInAdmin(api, acme.organizationId, role);
      const result = await graphql<Metrics>(api, session, QUERY);
      expect(result.errors).toBeUndefined();
      const metrics = result.data!.organizationMetrics;
      // Default range: the last 30 days, each present, oldest first, empty days as zeros.
      expect(metrics.from).toBe(dayText(29));
      expect(metrics.to).toBe(dayText(0));
      expect(metrics.days.map((d) => d.day)).toEqual(
        Array.from({ length: 30 }, (_, i) => dayText(29 - i)),
      );
      expect(metrics.days.at(-3)).toEqual({
        day: dayText(2),
        activeUsers: 2,
        sessions: 3,
        toolCallsAllowed: 3,
        toolCallsDenied: 3,
        plansApprovedManual: 1,
        plansApprovedAuto: 3,
        costUsd: '0.875',
      });
      expect(metrics.days.at(-2)).toMatchObject({
        day: dayText(1),
        activeUsers: 1,
        sessions: 1,
        costUsd: '1',
      });
      expect(metrics.days.at(0)).toEqual({
        day: dayText(29),
        activeUsers: 0,
        sessions: 0,
        toolCallsAllowed: 0,
        toolCallsDenied: 0,
        plansApprovedManual: 0,
        plansApprovedAuto: 0,
        costUsd: '0',
      });
      // Alice was active on two days and counts once in the totals.
      expect(metrics.totals).toEqual({
        activeUsers: 2,
        sessions: 4,
        toolCalls: 8,
        toolCallsAllowed: 4,
        toolCallsAsked: 0,
        toolCallsDenied: 4,
        plansApprovedManual: 1,
        plansApprovedAuto: 4,
        modelRequests: 4,
        costUsd: '1.875',
        policyViolations: 0,
      });
    }

    // The other organization sees its own day only.
    const otherOwner = await signInAdmin(api, other.organizationId, 'owner');
    const theirs = await graphql<Metrics>(api, otherOwner, QUERY, {
      from: dayText(2),
      to: dayText(1),
    });
    expect(theirs.data!.organizationMetrics.days).toEqual([
      expect.objectContaining({ day: dayText(2), activeUsers: 1, sessions: 1, costUsd: '99' }),
      expect.objectContaining({ day: dayText(1), activeUsers: 0, sessions: 0, costUsd: '0' }),
    ]);
    expect(theirs.data!.organizationMetrics.totals.activeUsers).toBe(1);
  });

  it('refuses a range that is malformed, reversed or longer than a year, and strangers', async () => {
    const org = await telemetryFixture(api, 'Metrics Ranges');
    const owner = await signInAdmin(api, org.organizationId, 'owner');
    const refusals = [
      [{ from: '2026-02-30x' }, 'from must be a date (YYYY-MM-DD)'],
      [{ from: '2026-03-02', to: '2026-03-01' }, 'from must not be after to'],
      [{ from: '2024-01-01', to: '2026-01-01' }, 'at most 366 days'],
    ] as const;
    for (const [variables, message] of refusals) {
      const result = await graphql<Metrics>(api, owner, QUERY, variables);
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]).toMatchObject({
        message,
        extensions: { code: 'BAD_USER_INPUT', reason: 'invalid' },
      });
    }
    const oneDay = await graphql<Metrics>(api, owner, QUERY, {
      from: '2026-03-01',
      to: '2026-03-01',
    });
    expect(oneDay.data!.organizationMetrics.days).toHaveLength(1);

    const anonymous = await graphql<Metrics>(api, null, QUERY);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("rolls up every other organization's days when one day cannot be rolled up", async () => {
    const broken = await telemetryFixture(api, 'Rollup Broken');
    const fine = await telemetryFixture(api, 'Rollup Fine');
    const ivan = await broken.enrol('ivan');
    const judy = await fine.enrol('judy');
    const day = middayOf(3);
    expect((await upload(api, ivan.secret, sessionEvents(ivan.subject(), day))).status).toBe(200);
    // A cost its rollup column cannot hold (DECIMAL(24, 12)), stored before ingest bounded it;
    // its day was marked before anyone else's, so every claim takes it first.
    await api.prisma.$executeRaw`
      INSERT INTO "AgentEvent" ("organizationId", day, id, "occurredAt", type, "userId",
        "endpointId", "sessionId", "batchId", payload)
      SELECT "organizationId", day, gen_random_uuid(), "occurredAt", type, "userId",
        "endpointId", "sessionId", "batchId", jsonb_set(payload, '{costUsd}', '"9999999999999"')
      FROM "AgentEvent"
      WHERE "organizationId" = ${broken.organizationId}::uuid AND type = 'model.requested'
      LIMIT 1`;
    await api.prisma.analyticsRollupPending.updateMany({
      where: { organizationId: broken.organizationId },
      data: { markedAt: new Date(0) },
    });
    expect((await upload(api, judy.secret, sessionEvents(judy.subject(), day))).status).toBe(200);

    await api.jobs.enqueue(JobName.AnalyticsRollup);
    await api.jobs.drain();
    const result = await graphql<Metrics>(
      api,
      await signInAdmin(api, fine.organizationId, 'owner'),
      QUERY,
    );
    expect(result.data!.organizationMetrics.days.at(-4)).toMatchObject({
      day: dayText(3),
      activeUsers: 1,
      sessions: 1,
    });
    // The day that failed is queued again, not lost, and nothing of it was written.
    expect(
      await api.prisma.analyticsRollupPending.count({
        where: { organizationId: broken.organizationId },
      }),
    ).toBe(1);
    expect(
      await api.prisma.userDailyMetrics.count({ where: { organizationId: broken.organizationId } }),
    ).toBe(0);
    await api.prisma.analyticsRollupPending.deleteMany({
      where: { organizationId: broken.organizationId },
    });
  });
});
