import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControlPlaneError } from './control-plane-client';
import { LeaseSpendGuard, SpendRefused, type CarriedSettle, type LeaseApi } from './spend-guard';
import { MeteredModel } from '../session/models/metered-model';
import type { AgentModel } from '../session/model';

// The control plane's answers as the protocol gives them; `unknown` holds the leases it does not
// know for this endpoint.
class FakeLeases implements LeaseApi {
  readonly calls: string[] = [];
  readonly unknown = new Set<string>();
  down = false;
  refuse = false;

  async createLease(amountUsd: string, _idempotencyKey: string, settle?: CarriedSettle) {
    if (this.down) throw new ControlPlaneError('control plane unreachable', null);
    if (settle && this.unknown.has(settle.leaseId)) {
      throw new ControlPlaneError('404 no lease', 404, 'lease_not_found');
    }
    const carried = settle ? ` + settle ${settle.leaseId} ${settle.costUsd}` : '';
    if (this.refuse) {
      this.calls.push(`refused ${amountUsd}${carried}`);
      throw new ControlPlaneError('402 limit exhausted', 402, 'spend_limit_exhausted');
    }
    this.calls.push(`lease ${amountUsd}${carried}`);
    return { id: `lease-${this.calls.length}`, amountUsd };
  }

  async settleLease(id: string, costUsd: string) {
    if (this.down) throw new ControlPlaneError('control plane unreachable', null);
    if (this.unknown.has(id)) throw new ControlPlaneError('404 no lease', 404, 'lease_not_found');
    this.calls.push(`settle ${id} ${costUsd}`);
  }
}

const model: AgentModel = {
  name: 'fake',
  plan: async () => ({
    value: 'plan',
    usage: { model: 'fake', inputTokens: 10, outputTokens: 2, costUsd: '0.013' },
  }),
  next: async () => ({ value: { kind: 'final', text: 'done' } }),
};

describe('spend guard', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-spend-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const heldFile = () => path.join(dir, 'held-settlement.json');
  const guardOf = (api: LeaseApi, allowanceUsd = 0.05) =>
    new LeaseSpendGuard(
      api,
      { file: path.join(dir, 'offline-spend.json'), bundleVersion: 3, allowanceUsd },
      { file: heldFile(), idleFlushMs: 60_000 },
    );

  it('retries a lease lost on the network with the same idempotency key, so it is reserved once', async () => {
    const keys: string[] = [];
    let failures = 1;
    const api: LeaseApi = {
      async createLease(amountUsd, idempotencyKey) {
        keys.push(idempotencyKey);
        if (failures-- > 0) throw new ControlPlaneError('control plane unreachable', null);
        return { id: 'lease-1', amountUsd };
      },
      async settleLease() {},
    };
    expect(await guardOf(api).reserve('0.5')).toEqual({ id: 'lease-1', amountUsd: '0.5' });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await guardOf(api).reserve('0.5');
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('sends the cost of each request with the next lease, and the last one on its own at the end', async () => {
    const api = new FakeLeases();
    const guard = guardOf(api);
    const metered = new MeteredModel(model, guard, '0.5');
    await metered.plan('t', []);
    await metered.next();
    expect(api.calls).toEqual(['lease 0.5', 'lease 0.5 + settle lease-1 0.013']);
    await guard.flush();
    expect(api.calls).toEqual([
      'lease 0.5',
      'lease 0.5 + settle lease-1 0.013',
      'settle lease-2 0',
    ]);
    expect(fs.existsSync(heldFile())).toBe(false);
  });

  it('sends a held cost on its own after an idle moment', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeLeases();
      await new MeteredModel(model, guardOf(api), '0.5').plan('t', []);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(api.calls).toEqual(['lease 0.5', 'settle lease-1 0.013']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps a held cost on disk until the control plane has it: what a crashed run held goes with the next run', async () => {
    const api = new FakeLeases();
    await new MeteredModel(model, guardOf(api), '0.5').plan('t', []);
    // The run stops here without flushing; the next one is offline at first, then reachable.
    const next = guardOf(api);
    api.down = true;
    await next.flush();
    expect(fs.existsSync(heldFile())).toBe(true);
    api.down = false;
    await next.reserve('0.5');
    expect(api.calls).toEqual(['lease 0.5', 'lease 0.5 + settle lease-1 0.013']);
    expect(fs.existsSync(heldFile())).toBe(false);
  });

  it('refuses the request when the control plane refuses the lease, which took the cost it carried', async () => {
    const api = new FakeLeases();
    const guard = guardOf(api);
    const metered = new MeteredModel(model, guard, '0.5');
    await metered.plan('t', []);
    api.refuse = true;
    await expect(metered.next()).rejects.toThrow(SpendRefused);
    await guard.flush();
    expect(api.calls).toEqual(['lease 0.5', 'refused 0.5 + settle lease-1 0.013']);
  });

  it('drops a cost for a lease the control plane does not know, and leases without it', async () => {
    const api = new FakeLeases();
    const guard = guardOf(api);
    await guard.settle({ id: 'lease-of-an-earlier-enrolment', amountUsd: '0.5' }, '0.1');
    api.unknown.add('lease-of-an-earlier-enrolment');
    expect(await guard.reserve('0.5')).toEqual({ id: 'lease-1', amountUsd: '0.5' });
    await guard.flush();
    expect(api.calls).toEqual(['lease 0.5']);
  });

  it('draws on the offline allowance while unreachable, across restarts, and stops at it', async () => {
    const api = new FakeLeases();
    api.down = true;
    await new MeteredModel(model, guardOf(api), '0.02').plan('t', []);
    await new MeteredModel(model, guardOf(api), '0.02').plan('t', []);
    await new MeteredModel(model, guardOf(api), '0.02').plan('t', []);
    // 3 × 0.013 spent; a fourth 0.02 reservation would pass 0.05.
    await expect(new MeteredModel(model, guardOf(api), '0.02').plan('t', [])).rejects.toThrow(
      /offline spend allowance/,
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'offline-spend.json'), 'utf8'))).toEqual({
      bundleVersion: 3,
      spentUsd: '0.039',
    });
  });
});
