import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GovernanceSettingsService } from '../../apps/admin-api/src/modules/governance/governance-settings.service';
import { SpendAlertsService } from '../../apps/admin-api/src/modules/spend/spend-alerts.service';
import { AuditRetentionService } from '../../apps/admin-api/src/modules/audit/audit-retention.service';
import { SpendClock } from '../../apps/admin-api/src/modules/spend/spend-clock';
import { DatabaseMaintenance } from '../../apps/admin-api/src/platform/database/database-maintenance';
import { SpendLedgerRetention } from '../../apps/admin-api/src/modules/spend/spend-ledger-retention';
import { SpendService } from '../../apps/admin-api/src/modules/spend/spend.service';
import { ControlPlaneClient } from '../../apps/agent-runtime/src/control-plane/control-plane-client';
import { LeaseSpendGuard } from '../../apps/agent-runtime/src/control-plane/spend-guard';
import { graphql, signInAdmin } from '../support/admin-session';
import { startEmbeddedTestApi, startTestApi, TestApi } from '../support/api';
import type { ServerProcess } from '@steward/testing';
import { lease, settle, spendFixture, startApi } from './spend-support';

const CONCURRENT_LEASES = 500;

describe('spend leases', () => {
  let api: TestApi;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'ignore' });
    api = await startTestApi();
  }, 180_000);

  afterAll(async () => {
    await api.close();
  });

  afterEach(() => jest.restoreAllMocks());

  function standAt(iso: string): { set(iso: string): void } {
    const clock = api.get(SpendClock);
    let now = new Date(iso);
    jest.spyOn(clock, 'now').mockImplementation(() => now);
    return { set: (next) => (now = new Date(next)) };
  }

  // The counters once every settlement so far is folded in (settling defers that, in batches).
  async function counters(organizationId: string) {
    await api.get(SpendService).reconcile(organizationId);
    const rows = await api.prisma.spendCounter.findMany({ where: { organizationId } });
    return new Map(
      rows.map((row) => [
        row.limitId,
        { spent: row.spentUsd.toFixed(), reserved: row.reservedUsd.toFixed(), key: row.periodKey },
      ]),
    );
  }

  it('grants exactly what a hard budget holds to 500 concurrent requests on two API processes', async () => {
    const org = await spendFixture(api, 'Concurrency Co');
    const userLimit = await org.limit('user', '10');
    const teamLimit = await org.limit('group', '100');
    const servers: ServerProcess[] = [];
    try {
      servers.push(...(await Promise.all([startApi(), startApi()])));
      const bases = servers.map((server) => server.url);

      const replies = await Promise.all(
        Array.from({ length: CONCURRENT_LEASES }, (_, i) =>
          lease(bases[i % 2]!, org.secret, { amountUsd: '0.1', model: 'claude-sonnet-4-5' }),
        ),
      );
      const granted = replies.filter((reply) => reply.status === 201);
      const refused = replies.filter((reply) => reply.status === 402);
      expect(granted).toHaveLength(100);
      expect(refused).toHaveLength(CONCURRENT_LEASES - 100);
      for (const reply of refused) {
        expect(reply.body.code).toBe('spend_limit_exhausted');
        expect((reply.body.limit as { limitId: string }).limitId).toBe(userLimit);
        expect(reply.body.detail).toMatch(/daily hard spend limit of the user .* resets at/);
      }
      const sumGranted = granted.reduce((sum, reply) => sum + Number(reply.body.amountUsd) * 10, 0);
      expect(sumGranted).toBeLessThanOrEqual(100);
      let after = await counters(org.organizationId);
      expect(after.get(userLimit)).toMatchObject({ spent: '0', reserved: '10' });
      expect(after.get(teamLimit)).toMatchObject({ spent: '0', reserved: '10' });

      // Each settle is sent twice at once, once to each process, as a runtime retrying after a
      // timeout would: every cost is counted once and the rest of each lease returns.
      const settles = await Promise.all(
        granted.flatMap((reply) =>
          bases.map((base) => settle(base, org.secret, String(reply.body.id), { costUsd: '0.04' })),
        ),
      );
      expect(settles.every((reply) => reply.status === 200)).toBe(true);
      expect(settles.filter((reply) => reply.body.replayed === false)).toHaveLength(100);
      expect(settles.every((reply) => reply.body.costUsd === '0.04')).toBe(true);
      after = await counters(org.organizationId);
      expect(after.get(userLimit)).toMatchObject({ spent: '4', reserved: '0' });
      expect(after.get(teamLimit)).toMatchObject({ spent: '4', reserved: '0' });

      // What settling returned can be leased again: 6 USD is 60 more leases of 0.1.
      const again = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          lease(bases[i % 2]!, org.secret, { amountUsd: '0.1' }),
        ),
      );
      expect(again.filter((reply) => reply.status === 201)).toHaveLength(60);
      expect(again.filter((reply) => reply.status === 402)).toHaveLength(40);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  }, 120_000);

  it('refuses on the team budget and gives back what it had reserved on the user budget', async () => {
    const org = await spendFixture(api, 'Team Co');
    const userLimit = await org.limit('user', '10');
    const teamLimit = await org.limit('group', '1', { period: 'month' });
    const soft = await org.limit('user', '0.5', { period: 'week', enforcement: 'soft' });
    expect((await lease(api.url, org.secret, { amountUsd: '0.6' })).status).toBe(201);
    const refused = await lease(api.url, org.secret, { amountUsd: '0.6' });
    expect(refused.status).toBe(402);
    expect(refused.body.limit).toMatchObject({
      limitId: teamLimit,
      subjectType: 'group',
      subjectId: org.groupId,
      period: 'month',
      periodKey: expect.stringMatching(/^\d{4}-\d{2}$/),
      remainingUsd: '0.4',
    });
    const after = await counters(org.organizationId);
    expect(after.get(userLimit)).toMatchObject({ reserved: '0.6' });
    expect(after.get(teamLimit)).toMatchObject({ reserved: '0.6' });
    // The soft budget was passed by the first lease (allowed) and untouched by the refused one.
    expect(after.get(soft)).toMatchObject({
      reserved: '0.6',
      key: expect.stringMatching(/-W\d{2}$/),
    });
  });

  it('refuses a lease above the organization’s lease per model call, reserving nothing', async () => {
    const org = await spendFixture(api, 'Ceiling Co');
    const userLimit = await org.limit('user', '10');
    await api
      .get(GovernanceSettingsService)
      .setEndpointSpend(
        org.organizationId,
        { leaseRequired: true, maxLeaseUsd: '0.5', offlineAllowanceUsd: '0' },
        { type: 'operator', id: 'test' },
      );
    const refused = await lease(api.url, org.secret, { amountUsd: '0.6' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'lease_above_maximum',
      settings: { maxLeaseUsd: '0.5' },
    });
    expect((await counters(org.organizationId)).get(userLimit)).toBeUndefined();
    expect((await lease(api.url, org.secret, { amountUsd: '0.5' })).status).toBe(201);
    expect((await counters(org.organizationId)).get(userLimit)).toMatchObject({ reserved: '0.5' });
  });

  it('counts a retried settle once, prices tokens by the price table, and keeps the ledger', async () => {
    const org = await spendFixture(api, 'Retry Co');
    const limit = await org.limit('user', '5');
    const admin = await signInAdmin(api, org.organizationId, 'admin');
    const price = await graphql(
      api,
      admin,
      `
        mutation {
          setModelPrice(
            input: {
              model: "claude-sonnet-4-5"
              inputUsdPerMillion: "3"
              outputUsdPerMillion: "15"
            }
          ) {
            model
            inputUsdPerMillion
            outputUsdPerMillion
          }
        }
      `,
    );
    expect(price.errors).toBeUndefined();

    const granted = await lease(api.url, org.secret, {
      amountUsd: '0.5',
      model: 'claude-sonnet-4-5',
      idempotencyKey: 'request-1',
    });
    expect(granted.status).toBe(201);
    const same = await lease(api.url, org.secret, {
      amountUsd: '0.5',
      idempotencyKey: 'request-1',
    });
    expect(same.status).toBe(200);
    expect(same.body.id).toBe(granted.body.id);

    const id = String(granted.body.id);
    // 1,234 input and 567 output tokens: 0.003702 + 0.008505 = 0.012207 USD exactly.
    const tries = await Promise.all(
      [1, 2, 3].map(() =>
        settle(api.url, org.secret, id, { inputTokens: 1234, outputTokens: 567 }),
      ),
    );
    expect(tries.map((reply) => reply.status)).toEqual([200, 200, 200]);
    expect(tries.filter((reply) => !reply.body.replayed)).toHaveLength(1);
    expect(new Set(tries.map((reply) => reply.body.costUsd))).toEqual(new Set(['0.012207']));
    const later = await settle(api.url, org.secret, id, { costUsd: '0.4' });
    expect(later.body).toMatchObject({ replayed: true, costUsd: '0.012207' });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.012207',
      reserved: '0',
    });

    const unknown = await settle(api.url, org.secret, '00000000-0000-4000-8000-000000000000', {
      costUsd: '0.1',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('lease_not_found');
    const unpriced = await lease(api.url, org.secret, { amountUsd: '0.1', model: 'unknown-model' });
    const refusedPrice = await settle(api.url, org.secret, String(unpriced.body.id), {
      inputTokens: 10,
      outputTokens: 10,
    });
    expect(refusedPrice.status).toBe(422);
    expect((await lease(api.url, org.secret, { amountUsd: 0.1 })).status).toBe(400);

    const ledger = await graphql<{ spendLedger: { costUsd: string; inputTokens: number }[] }>(
      api,
      admin,
      `
        {
          spendLedger {
            costUsd
            inputTokens
            outputTokens
            model
          }
        }
      `,
    );
    const billing = await signInAdmin(api, org.organizationId, 'billing');
    const prices = await graphql<{ modelPrices: { model: string }[] }>(
      api,
      billing,
      `
        {
          modelPrices {
            model
            inputUsdPerMillion
          }
        }
      `,
    );
    expect(prices.data?.modelPrices).toEqual([
      { model: 'claude-sonnet-4-5', inputUsdPerMillion: '3' },
    ]);
    expect(ledger.data?.spendLedger).toEqual([
      { costUsd: '0.012207', inputTokens: 1234, outputTokens: 567, model: 'claude-sonnet-4-5' },
    ]);

    // Sent at once (one API process batches concurrent leases): still one lease per key.
    const racing = await Promise.all(
      [1, 2, 3].map(() =>
        lease(api.url, org.secret, { amountUsd: '0.1', idempotencyKey: 'request-2' }),
      ),
    );
    expect(racing.map((reply) => reply.status).sort()).toEqual([200, 200, 201]);
    expect(new Set(racing.map((reply) => reply.body.id)).size).toBe(1);
  });

  it('refuses a model price whose settles could not be stored, and stores the dearest it takes', async () => {
    const org = await spendFixture(api, 'Dear Model Co');
    await org.limit('user', '10', { enforcement: 'soft' });
    const admin = await signInAdmin(api, org.organizationId, 'admin');
    const setPrice = (perMillion: string) =>
      graphql(
        api,
        admin,
        `
          mutation ($price: String!) {
            setModelPrice(
              input: { model: "dear", inputUsdPerMillion: $price, outputUsdPerMillion: $price }
            ) {
              model
            }
          }
        `,
        { price: perMillion },
      );
    const refused = await setPrice('1000000');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('below 1,000,000');
    expect(
      await api.prisma.modelPrice.count({ where: { organizationId: org.organizationId } }),
    ).toBe(0);

    expect((await setPrice('999999.999999')).errors).toBeUndefined();
    const granted = await lease(api.url, org.secret, { amountUsd: '1', model: 'dear' });
    const most = 1_000_000_000;
    const settled = await settle(api.url, org.secret, String(granted.body.id), {
      inputTokens: most,
      outputTokens: most,
    });
    expect(settled.status).toBe(200);
    expect(settled.body.costUsd).toBe('1999999999.998');
  });

  it('takes the settlement of the previous lease with the next lease: counted, idempotent; a refused settle changes nothing', async () => {
    const org = await spendFixture(api, 'Carry Co');
    const limit = await org.limit('user', '1');
    const first = await lease(api.url, org.secret, { amountUsd: '0.8' });
    expect(first.status).toBe(201);

    // 0.8 more fits only once the 0.1 spent on the first lease is settled and the rest returned.
    const carrying = {
      amountUsd: '0.8',
      idempotencyKey: 'request-2',
      settle: { leaseId: first.body.id, costUsd: '0.1' },
    };
    const second = await lease(api.url, org.secret, carrying);
    expect(second.status).toBe(201);
    expect(second.body.settle).toMatchObject({
      id: first.body.id,
      costUsd: '0.1',
      returnedUsd: '0.7',
      replayed: false,
    });
    const retried = await lease(api.url, org.secret, carrying);
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(second.body.id);
    expect(retried.body.settle).toMatchObject({ costUsd: '0.1', replayed: true });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.1',
      reserved: '0.8',
    });

    // A refused lease still records the settlement it carried: that money was spent.
    const refused = await lease(api.url, org.secret, {
      amountUsd: '0.5',
      settle: { leaseId: second.body.id, costUsd: '0.75' },
    });
    expect(refused.status).toBe(402);
    expect(refused.body.code).toBe('spend_limit_exhausted');
    expect(refused.body.settle).toMatchObject({ costUsd: '0.75', replayed: false });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.85',
      reserved: '0',
    });

    // Another endpoint's lease is refused as the settle on its own refuses it, and nothing happens.
    const other = await spendFixture(api, 'Other Co');
    const foreign = await lease(api.url, other.secret, { amountUsd: '0.1' });
    const stolen = await lease(api.url, org.secret, {
      amountUsd: '0.1',
      idempotencyKey: 'request-4',
      settle: { leaseId: foreign.body.id, costUsd: '0.01' },
    });
    expect(stolen.status).toBe(404);
    expect(stolen.body.code).toBe('lease_not_found');
    expect(
      await api.prisma.spendLease.count({
        where: { endpointId: org.endpointId, idempotencyKey: 'request-4' },
      }),
    ).toBe(0);
    expect(
      await api.prisma.spendLease.findUnique({ where: { id: String(foreign.body.id) } }),
    ).toMatchObject({ settledAt: null });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.85',
      reserved: '0',
    });

    // Sent at once: one lease for the key, one settlement.
    const open = await lease(api.url, org.secret, { amountUsd: '0.1' });
    const racing = await Promise.all(
      [1, 2, 3].map(() =>
        lease(api.url, org.secret, {
          amountUsd: '0.1',
          idempotencyKey: 'request-5',
          settle: { leaseId: open.body.id, costUsd: '0.02' },
        }),
      ),
    );
    expect(racing.map((reply) => reply.status).sort()).toEqual([200, 200, 201]);
    const settledOnce = racing.filter(
      (reply) => (reply.body.settle as { replayed?: boolean }).replayed === false,
    );
    expect(settledOnce).toHaveLength(1);
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.87',
      reserved: '0.1',
    });
  });

  it('counts what the spend guard of the runtime sends with its leases, and what a crashed run held', async () => {
    const org = await spendFixture(api, 'Runtime Co');
    const limit = await org.limit('user', '1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-guard-'));
    const guardOf = () =>
      new LeaseSpendGuard(
        new ControlPlaneClient(api.url, org.secret),
        { file: path.join(dir, 'offline-spend.json'), bundleVersion: 1, allowanceUsd: 0 },
        { file: path.join(dir, 'held-settlement.json'), idleFlushMs: 600_000 },
      );
    try {
      const guard = guardOf();
      // Two leases of 0.6 fit 1 USD only when the first one's cost is settled before the second.
      for (const cost of ['0.1', '0.1', '0.1']) {
        const granted = await guard.reserve('0.6');
        expect(granted.id).not.toBeNull();
        await guard.settle(granted, cost);
      }
      expect((await counters(org.organizationId)).get(limit)).toMatchObject({
        spent: '0.2',
        reserved: '0.6',
      });
      // The run stops without flushing; the next run's guard sends what it held.
      await guardOf().flush();
      expect((await counters(org.organizationId)).get(limit)).toMatchObject({
        spent: '0.3',
        reserved: '0',
      });
      expect(fs.existsSync(path.join(dir, 'held-settlement.json'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns an expired lease without any job, and still records its late settlement', async () => {
    const org = await spendFixture(api, 'Expiry Co');
    const limit = await org.limit('user', '1');
    const clock = standAt('2026-11-24T10:00:00Z');
    const first = await lease(api.url, org.secret, { amountUsd: '0.6' });
    expect(first.status).toBe(201);
    expect(first.body.expiresAt).toBe('2026-11-24T10:15:00.000Z');
    expect((await lease(api.url, org.secret, { amountUsd: '0.6' })).status).toBe(402);

    clock.set('2026-11-24T10:15:01Z');
    const second = await lease(api.url, org.secret, { amountUsd: '0.6' });
    expect(second.status).toBe(201);
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({ reserved: '0.6' });

    const late = await settle(api.url, org.secret, String(first.body.id), { costUsd: '0.1' });
    expect(late.body).toMatchObject({ late: true, returnedUsd: '0', costUsd: '0.1' });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: '0.1',
      reserved: '0.6',
    });
  });

  // What the catch-up sweep job runs: every organization with settled or expired leases is folded
  // and released, and a folded lease leaves the due set (openUntil null).
  it('folds and releases through the catch-up sweep, and counts a settle after the release', async () => {
    const org = await spendFixture(api, 'Sweep Co');
    const limit = await org.limit('user', '10');
    const clock = standAt('2026-11-25T10:00:00Z');
    const due = async () =>
      (
        await api.prisma.spendLease.findMany({
          where: { organizationId: org.organizationId, openUntil: { not: null } },
        })
      ).map((row) => [row.id, row.openUntil!.toISOString()]);
    const counter = async () => {
      const row = await api.prisma.spendCounter.findFirstOrThrow({ where: { limitId: limit } });
      return { spent: row.spentUsd.toFixed(), reserved: row.reservedUsd.toFixed() };
    };
    const sweep = () => api.get(SpendService).reconcileAll();

    const folded = await lease(api.url, org.secret, { amountUsd: '0.5' });
    const open = await lease(api.url, org.secret, { amountUsd: '1' });
    expect([folded.status, open.status]).toEqual([201, 201]);
    expect(
      (await settle(api.url, org.secret, String(folded.body.id), { costUsd: '0.25' })).status,
    ).toBe(200);
    await sweep();
    expect(await due()).toEqual([[open.body.id, '2026-11-25T10:15:00.000Z']]);
    expect(await counter()).toEqual({ spent: '0.25', reserved: '1' });

    clock.set('2026-11-25T10:15:01Z');
    await sweep();
    expect(await due()).toEqual([]);
    expect(await counter()).toEqual({ spent: '0.25', reserved: '0' });
    const released = await api.prisma.spendLease.findUniqueOrThrow({
      where: { id: String(open.body.id) },
    });
    expect(released.releasedAt?.toISOString()).toBe('2026-11-25T10:15:01.000Z');

    // A settle after the release is folded by the settle itself (a late one); the sweep after it
    // finds nothing left.
    expect(
      (await settle(api.url, org.secret, String(open.body.id), { costUsd: '0.5' })).body,
    ).toMatchObject({ late: true });
    await sweep();
    expect(await due()).toEqual([]);
    expect(await counter()).toEqual({ spent: '0.75', reserved: '0' });
  });

  it("folds every other organization when one organization's fold fails", async () => {
    // An organization whose fold cannot succeed (a trigger refuses any write to its counter),
    // first in the order the sweep visits them.
    const broken = '00000000-0000-4000-8000-000000000000';
    const brokenLimit = '00000000-0000-4000-8000-000000000001';
    await api.prisma.organization.create({
      data: { id: broken, slug: 'broken-fold', name: 'Broken Fold Co' },
    });
    await api.prisma.spendCounter.create({
      data: { organizationId: broken, limitId: brokenLimit, periodKey: '2026-11', limitUsd: '10' },
    });
    await api.prisma.spendLease.create({
      data: {
        organizationId: broken,
        userId: brokenLimit,
        endpointId: brokenLimit,
        amountUsd: '1',
        costUsd: '1',
        limitIds: [brokenLimit],
        periodKeys: ['2026-11'],
        expiresAt: new Date('2026-11-26T10:15:00Z'),
        settledAt: new Date('2026-11-26T10:00:00Z'),
        openUntil: new Date(0),
      },
    });
    const allowWrites = await refuseCounterWrites(api, broken);
    try {
      const org = await spendFixture(api, 'After Broken Co');
      await org.limit('user', '10');
      standAt('2026-11-26T10:00:00Z');
      const settled = await lease(api.url, org.secret, { amountUsd: '1' });
      await settle(api.url, org.secret, String(settled.body.id), { costUsd: '0.5' });
      const due = (organizationId: string) =>
        api.prisma.spendLease.count({ where: { organizationId, openUntil: { not: null } } });

      // Sooner than the settle's own fold (a second later).
      await api.get(SpendService).reconcileAll();
      expect(await due(org.organizationId)).toBe(0);
      expect(await due(broken)).toBe(1);
    } finally {
      await allowWrites();
      await api.prisma.organization.delete({ where: { id: broken } });
    }
  });

  it('saturates what a budget spent at what its counter holds, and keeps folding', async () => {
    const org = await spendFixture(api, 'Boundless Co');
    const limit = await org.limit('user', '100', { enforcement: 'soft', period: 'month' });
    standAt('2026-11-26T10:00:00Z');
    const most = '999999999999.999999';
    const leases = [];
    for (let i = 0; i < 3; i++) leases.push(await lease(api.url, org.secret, { amountUsd: '1' }));
    expect(leases.map((reply) => reply.status)).toEqual([201, 201, 201]);

    // Two settled costs whose sum passes what the column holds; then a third on top.
    for (const [granted, costUsd] of [
      [leases[0]!, '999999999999'],
      [leases[1]!, '5'],
    ] as const) {
      const settled = await settle(api.url, org.secret, String(granted.body.id), { costUsd });
      expect(settled.status).toBe(200);
    }
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: most,
      reserved: '1',
    });
    await settle(api.url, org.secret, String(leases[2]!.body.id), { costUsd: '1' });
    expect((await counters(org.organizationId)).get(limit)).toMatchObject({
      spent: most,
      reserved: '0',
    });
    expect(
      await api.prisma.spendLease.count({
        where: { organizationId: org.organizationId, openUntil: { not: null } },
      }),
    ).toBe(0);
  });

  it('starts a new period at local midnight in the organization time zone', async () => {
    const org = await spendFixture(api, 'Tokyo Co', 'Asia/Tokyo');
    await org.limit('user', '1');
    // 23:59:30 in Tokyo on 24 November.
    const clock = standAt('2026-11-24T14:59:30Z');
    const all = await lease(api.url, org.secret, { amountUsd: '1' });
    expect(all.status).toBe(201);
    expect((all.body.budgets as { periodKey: string }[])[0]!.periodKey).toBe('2026-11-24');
    await settle(api.url, org.secret, String(all.body.id), { costUsd: '1' });

    const refused = await lease(api.url, org.secret, { amountUsd: '0.01' });
    expect(refused.status).toBe(402);
    expect(refused.body.limit).toMatchObject({
      periodKey: '2026-11-24',
      remainingUsd: '0',
      resetsAt: '2026-11-24T15:00:00.000Z',
    });

    clock.set('2026-11-24T15:00:00Z');
    const next = await lease(api.url, org.secret, { amountUsd: '1' });
    expect(next.status).toBe(201);
    expect(next.body.budgets).toEqual([
      expect.objectContaining({ periodKey: '2026-11-25', spentUsd: '0', remainingUsd: '0' }),
    ]);
  });

  it("deletes folded leases past the organization's retention, batch by batch, and keeps the rest", async () => {
    await ledgerRetention(api);
  });

  describe('alerts', () => {
    let receiver: Server;
    const received: { headers: IncomingMessage['headers']; body: string; status: number }[] = [];
    let receiverUrl: string;

    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          // The first delivery fails: the job's retry must deliver it, once.
          const status = received.length === 0 ? 503 : 204;
          received.push({ headers: request.headers, body, status });
          response.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/spend`;
    });

    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it("sweeps each organization's alerts on its own: a dead webhook's backlog holds back no one else", async () => {
      standAt('2026-11-27T10:00:00Z');
      let deadRequests = 0;
      const dead = createServer((request, response) => {
        deadRequests++;
        request.resume().on('end', () => response.writeHead(503).end());
      });
      const delivered: string[] = [];
      const live = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          delivered.push((JSON.parse(body) as { id: string }).id);
          response.writeHead(204).end();
        });
      });
      const servers = [dead, live];
      await Promise.all(
        servers.map(
          (server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
        ),
      );
      const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const down = await spendFixture(api, 'Webhook Down Co');
      const up = await spendFixture(api, 'Webhook Up Co');
      try {
        for (const [org, server] of [
          [down, dead],
          [up, live],
        ] as const) {
          const admin = await signInAdmin(api, org.organizationId, 'admin');
          const hook = await graphql(
            api,
            admin,
            'mutation ($url: String!) { setSpendWebhook(input: { url: $url }) { url } }',
            { url: url(server) },
          );
          expect(hook.errors).toBeUndefined();
        }
        // The jobs of these alerts were lost (Redis was down, say): 500 of Down's, older than
        // Up's one.
        const alert = (organizationId: string, createdAt: Date) => ({
          organizationId,
          limitId: randomUUID(),
          periodKey: '2026-11-27',
          threshold: 80,
          spentUsd: '8',
          limitUsd: '10',
          createdAt,
        });
        await api.prisma.spendAlert.createMany({
          data: Array.from({ length: 500 }, (_, i) =>
            alert(down.organizationId, new Date(Date.parse('2026-11-27T09:00:00Z') + i)),
          ),
        });
        const upAlert = await api.prisma.spendAlert.create({
          data: alert(up.organizationId, new Date('2026-11-27T09:30:00Z')),
        });

        await api.get(SpendAlertsService).sweep();
        expect(delivered).toEqual([upAlert.id]);
        // Down's webhook was tried once, not once per alert; its alerts were still audited.
        expect(deadRequests).toBe(1);
        const downAlerts = await api.prisma.spendAlert.findMany({
          where: { organizationId: down.organizationId },
          select: { auditedAt: true, deliveredAt: true },
        });
        expect(downAlerts.filter((row) => row.deliveredAt)).toEqual([]);
        const audited = downAlerts.filter((row) => row.auditedAt).length;
        expect(audited).toBeGreaterThan(1);
        expect(
          await api.prisma.auditEvent.count({
            where: { organizationId: down.organizationId, action: 'spend.threshold_reached' },
          }),
        ).toBe(audited);
      } finally {
        // Nothing left for the API's own sweeps to retry against a closed port.
        await api.prisma.spendAlert.deleteMany({
          where: { organizationId: { in: [down.organizationId, up.organizationId] } },
        });
        await Promise.all(
          servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
        );
      }
    });

    it('posts one signed webhook (retried until accepted) and one audit record per threshold per period', async () => {
      const org = await spendFixture(api, 'Alerts Co');
      const limit = await org.limit('group', '1', {
        enforcement: 'soft',
        alertThresholds: [50, 80, 100],
      });
      const admin = await signInAdmin(api, org.organizationId, 'admin');
      const hook = await graphql<{ setSpendWebhook: { secret: string } }>(
        api,
        admin,
        `
          mutation ($url: String!) {
            setSpendWebhook(input: { url: $url }) {
              url
              enabled
              secret
            }
          }
        `,
        { url: receiverUrl },
      );
      const secret = hook.data!.setSpendWebhook.secret;
      expect(secret).toMatch(/^stw_whsec_/);

      const spendOnce = async (amountUsd: string) => {
        const granted = await lease(api.url, org.secret, { amountUsd });
        expect(granted.status).toBe(201);
        const id = String(granted.body.id);
        await Promise.all(
          [1, 2].map(() => settle(api.url, org.secret, id, { costUsd: amountUsd })),
        );
      };
      await spendOnce('0.6'); // 60%: crosses 50
      await spendOnce('0.1'); // 70%: nothing
      await spendOnce('0.3'); // 100%: crosses 80 and 100
      await spendOnce('0.5'); // 150%: a soft limit allows, nothing new to say
      await api.get(SpendService).reconcile(org.organizationId);
      await api.jobs.drain();

      // Four requests: the first failed and was retried.
      expect(received).toHaveLength(4);
      const accepted = received.filter((delivery) => delivery.status === 204);
      expect(accepted.map((delivery) => delivery.body)).toContain(received[0]!.body);
      const thresholds = accepted.map((delivery) => {
        const [t, v1] = String(delivery.headers['steward-signature'])
          .split(',')
          .map((part) => part.split('=')[1]!);
        const expected = createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex');
        expect(v1).toBe(expected);
        const payload = JSON.parse(delivery.body) as { threshold: number; limitId: string };
        expect(payload.limitId).toBe(limit);
        return payload.threshold;
      });
      expect(thresholds.sort((a, b) => a - b)).toEqual([50, 80, 100]);
      const audited = await api.prisma.auditEvent.count({
        where: { organizationId: org.organizationId, action: 'spend.threshold_reached' },
      });
      expect(audited).toBe(3);

      const budgets = await graphql<{ spendBudgets: Record<string, unknown>[] }>(
        api,
        admin,
        `
          {
            spendBudgets {
              limitId
              subjectType
              enforcement
              limitUsd
              spentUsd
              reservedUsd
              remainingUsd
              periodKey
              resetsInSeconds
            }
          }
        `,
      );
      expect(budgets.data?.spendBudgets).toEqual([
        expect.objectContaining({
          limitId: limit,
          subjectType: 'group',
          spentUsd: '1.5',
          reservedUsd: '0',
          remainingUsd: '0',
        }),
      ]);
      const auditor = await signInAdmin(api, org.organizationId, 'auditor');
      const denied = await graphql(
        api,
        auditor,
        `
          mutation {
            setModelPrice(
              input: { model: "m", inputUsdPerMillion: "1", outputUsdPerMillion: "1" }
            ) {
              model
            }
          }
        `,
      );
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});

// The embedded default (PGlite, in-process jobs): the ledger's retention deletes there too, and
// the database's maintenance reclaims what it deleted.
describe('spend ledger retention and maintenance on the embedded database', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startEmbeddedTestApi();
  }, 120_000);

  afterAll(() => api?.close());

  afterEach(() => jest.restoreAllMocks());

  it("deletes folded leases past the organization's retention and keeps the rest", async () => {
    await ledgerRetention(api);
  }, 60_000);

  // PGlite has no autovacuum: the maintenance job (hourly there) gives back the deleted leases'
  // space and the planner its statistics.
  it('vacuums and analyzes every table of the embedded database', async () => {
    const ledger = () =>
      api.prisma.$queryRawUnsafe<{ reltuples: number; vacuumed: boolean; analyzed: boolean }[]>(
        `SELECT c.reltuples::float8 AS reltuples, s.last_vacuum IS NOT NULL AS vacuumed,
           s.last_analyze IS NOT NULL AS analyzed
         FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
         WHERE c.relname = 'SpendLease'`,
      );
    expect(await ledger()).toEqual([{ reltuples: -1, vacuumed: false, analyzed: false }]);
    const live = await api.prisma.spendLease.count();
    const tables = await api.get(DatabaseMaintenance).run();
    expect(tables).toBeGreaterThan(40);
    expect(await ledger()).toEqual([{ reltuples: live, vacuumed: true, analyzed: true }]);
    const neverAnalyzed = await api.prisma.$queryRawUnsafe<{ relname: string }[]>(
      `SELECT relname FROM pg_class
       WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' AND reltuples < 0`,
    );
    expect(neverAnalyzed).toEqual([]);
  }, 60_000);
});

// Three organizations with the same ledger: 30 days of retention, the same on legal hold, none.
// Each has a settled lease and a released one (expired, never settled) from 40 days ago, and a
// settled one from 10 days ago. A fourth, with 30 days of retention, has a lease settled 40 days
// ago that the fold has not reached (its counter refuses writes, as in the test of a failing
// fold). Retention, run in batches of 2, deletes the first organization's two old leases only,
// leaves every counter as it was, and deletes the held organization's once the hold is lifted.
async function ledgerRetention(api: TestApi): Promise<void> {
  let now = new Date();
  jest.spyOn(api.get(SpendClock), 'now').mockImplementation(() => now);
  const retention = api.get(AuditRetentionService);
  const operator = { type: 'operator' as const, id: 'test' };
  const ledgerOf = async (organizationId: string) =>
    (await api.prisma.spendLease.findMany({ where: { organizationId }, select: { id: true } }))
      .map((row) => row.id)
      .sort();
  const countersOf = async (organizationId: string) =>
    (await api.prisma.spendCounter.findMany({ where: { organizationId } }))
      .map((row) => `${row.periodKey} ${row.spentUsd.toFixed()} ${row.reservedUsd.toFixed()}`)
      .sort();

  const orgs = [];
  for (const name of ['Retained Co', 'Held Co', 'Forever Co']) {
    const org = await spendFixture(api, name);
    await org.limit('user', '10', { period: 'month' });
    now = new Date('2026-09-01T10:00:00Z');
    const settled = await lease(api.url, org.secret, { amountUsd: '1' });
    const released = await lease(api.url, org.secret, { amountUsd: '1' });
    expect(
      (await settle(api.url, org.secret, String(settled.body.id), { costUsd: '0.5' })).status,
    ).toBe(200);
    // Folded, and the other released (its 15 minutes are over).
    now = new Date('2026-09-01T10:20:00Z');
    await api.get(SpendService).reconcile(org.organizationId);
    now = new Date('2026-09-30T10:00:00Z');
    const recent = await lease(api.url, org.secret, { amountUsd: '1' });
    await settle(api.url, org.secret, String(recent.body.id), { costUsd: '0.25' });
    await api.get(SpendService).reconcile(org.organizationId);
    orgs.push({
      ...org,
      leases: [settled, released, recent].map((reply) => String(reply.body.id)),
    });
  }
  const [retained, held, forever] = orgs as [(typeof orgs)[0], (typeof orgs)[0], (typeof orgs)[0]];
  expect(
    await api.prisma.spendLease.count({
      where: { organizationId: retained.organizationId, openUntil: null },
    }),
  ).toBe(3);
  await retention.update(retained.organizationId, { retentionDays: 30 }, operator);
  await retention.update(held.organizationId, { retentionDays: 30, legalHold: true }, operator);

  const unfolded = await spendFixture(api, 'Unfolded Co');
  const unfoldedLimit = await unfolded.limit('user', '10', { period: 'month' });
  await retention.update(unfolded.organizationId, { retentionDays: 30 }, operator);
  await api.prisma.spendCounter.create({
    data: {
      organizationId: unfolded.organizationId,
      limitId: unfoldedLimit,
      periodKey: '2026-09',
      limitUsd: '10',
    },
  });
  const stuck = await api.prisma.spendLease.create({
    data: {
      organizationId: unfolded.organizationId,
      userId: unfolded.userId,
      endpointId: unfolded.endpointId,
      amountUsd: '1',
      costUsd: '1',
      limitIds: [unfoldedLimit],
      periodKeys: ['2026-09'],
      createdAt: new Date('2026-09-01T10:00:00Z'),
      expiresAt: new Date('2026-09-01T10:15:00Z'),
      settledAt: new Date('2026-09-01T10:00:00Z'),
      openUntil: new Date(0),
    },
  });
  const allowWrites = await refuseCounterWrites(api, unfolded.organizationId);
  try {
    const counters = await Promise.all(orgs.map((org) => countersOf(org.organizationId)));
    now = new Date('2026-10-11T10:00:00Z');
    await api.get(SpendLedgerRetention).applyAll(2);
    expect(await ledgerOf(retained.organizationId)).toEqual(retained.leases.slice(2));
    expect(await ledgerOf(held.organizationId)).toEqual([...held.leases].sort());
    expect(await ledgerOf(forever.organizationId)).toEqual([...forever.leases].sort());
    expect(await ledgerOf(unfolded.organizationId)).toEqual([stuck.id]);
    expect(await Promise.all(orgs.map((org) => countersOf(org.organizationId)))).toEqual(counters);

    await retention.update(held.organizationId, { legalHold: false }, operator);
    await api.get(SpendLedgerRetention).applyAll();
    expect(await ledgerOf(held.organizationId)).toEqual(held.leases.slice(2));
  } finally {
    await allowWrites();
  }
}

// Makes every update of the organization's spend counters fail, so its fold cannot succeed;
// returns what undoes it.
async function refuseCounterWrites(api: TestApi, organizationId: string) {
  await api.prisma.$executeRawUnsafe(`
    CREATE FUNCTION steward_test_refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'this counter refuses writes'; END $$`);
  await api.prisma.$executeRawUnsafe(`
    CREATE TRIGGER steward_test_refuse_write BEFORE UPDATE ON "SpendCounter" FOR EACH ROW
    WHEN (OLD."organizationId" = '${organizationId}') EXECUTE FUNCTION steward_test_refuse_write()`);
  return async () => {
    await api.prisma.$executeRawUnsafe('DROP TRIGGER steward_test_refuse_write ON "SpendCounter"');
    await api.prisma.$executeRawUnsafe('DROP FUNCTION steward_test_refuse_write()');
  };
}
