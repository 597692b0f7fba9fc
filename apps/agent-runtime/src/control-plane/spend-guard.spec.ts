import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControlPlaneError } from './control-plane-client';
import { LeaseSpendGuard, SpendRefused, type LeaseApi } from './spend-guard';
import { MeteredModel } from '../session/models/metered-model';
import type { AgentModel } from '../session/model';

class FakeLeases implements LeaseApi {
  readonly calls: string[] = [];
  down = false;
  refuse = false;

  async createLease(amountUsd: string) {
    if (this.down) throw new ControlPlaneError('control plane unreachable', null);
    if (this.refuse) throw new ControlPlaneError('409 budget exhausted', 409, 'budget_exhausted');
    this.calls.push(`lease ${amountUsd}`);
    return { id: `lease-${this.calls.length}`, amountUsd };
  }

  async settleLease(id: string, costUsd: string) {
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

  const guardOf = (api: LeaseApi, allowanceUsd = 0.05) =>
    new LeaseSpendGuard(api, {
      file: path.join(dir, 'offline-spend.json'),
      bundleVersion: 3,
      allowanceUsd,
    });

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

  it('leases before each model request and settles its actual cost', async () => {
    const api = new FakeLeases();
    const metered = new MeteredModel(model, guardOf(api), '0.5');
    await metered.plan('t', []);
    await metered.next();
    expect(api.calls).toEqual([
      'lease 0.5',
      'settle lease-1 0.013',
      'lease 0.5',
      'settle lease-3 0',
    ]);
  });

  it('refuses the request when the control plane refuses the lease', async () => {
    const api = new FakeLeases();
    api.refuse = true;
    await expect(new MeteredModel(model, guardOf(api), '0.5').plan('t', [])).rejects.toThrow(
      SpendRefused,
    );
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
