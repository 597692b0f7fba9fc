import {
  MAX_LEASE_CEILING_USD,
  OFFLINE_ALLOWANCE_CEILING_USD,
  validateEndpointSpend,
} from './endpoint-spend';
import { GovernanceError } from './governance.errors';

function refusal(maxLeaseUsd: string, offlineAllowanceUsd: string) {
  try {
    validateEndpointSpend({ leaseRequired: true, maxLeaseUsd, offlineAllowanceUsd });
  } catch (error) {
    if (error instanceof GovernanceError) return { code: error.code, field: error.field };
    throw error;
  }
  return null;
}

describe('endpoint spend settings', () => {
  it('keeps amounts in their shortest exact form, which a JSON number reads back unchanged', () => {
    const settings = validateEndpointSpend({
      leaseRequired: false,
      maxLeaseUsd: ' 0.500000 ',
      offlineAllowanceUsd: '999.999999',
    });
    expect(settings).toEqual({
      leaseRequired: false,
      maxLeaseUsd: '0.5',
      offlineAllowanceUsd: '999.999999',
    });
    for (const amount of ['0.000001', '99.999999', '999.999999', '0.1', '12.345678']) {
      expect(String(JSON.parse(JSON.stringify(Number(amount))))).toBe(amount);
    }
  });

  it('accepts the bounds themselves and an allowance of exactly one lease', () => {
    expect(refusal(String(MAX_LEASE_CEILING_USD), String(OFFLINE_ALLOWANCE_CEILING_USD))).toBe(
      null,
    );
    expect(refusal('0.000001', '0')).toBe(null);
    expect(refusal('2.5', '2.5')).toBe(null);
  });

  it('refuses what the runtime could not use, naming the field', () => {
    expect(refusal('0', '0')).toEqual({ code: 'invalid', field: 'maxLeaseUsd' });
    expect(refusal('0.0000001', '0')).toEqual({ code: 'invalid', field: 'maxLeaseUsd' });
    expect(refusal('100.000001', '0')).toEqual({ code: 'invalid', field: 'maxLeaseUsd' });
    expect(refusal('1', '1000.000001')).toEqual({ code: 'invalid', field: 'offlineAllowanceUsd' });
    expect(refusal('2.5', '2.499999')).toEqual({ code: 'invalid', field: 'offlineAllowanceUsd' });
    expect(refusal('1', 'NaN')).toEqual({ code: 'invalid', field: 'offlineAllowanceUsd' });
  });
});
