import Decimal from 'decimal.js';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import type { EndpointSpendWrite } from './governance.types';

const DECIMAL_USD = /^\d{1,12}(\.\d{1,6})?$/;

// What an organization's endpoints get until an admin changes it: a lease for every model call,
// one dollar leased per call, nothing spent while the control plane is unreachable.
export const DEFAULT_ENDPOINT_SPEND: EndpointSpendWrite = {
  leaseRequired: true,
  maxLeaseUsd: '1',
  offlineAllowanceUsd: '0',
};
// Upper bounds that catch a misplaced decimal point. They also keep each amount within the digits a
// JSON number carries exactly, as the signed bundle sends them.
export const MAX_LEASE_CEILING_USD = 100;
export const OFFLINE_ALLOWANCE_CEILING_USD = 1000;

// Checks the spend settings against what the runtime does with them (apps/agent-runtime
// LeaseSpendGuard): every model call leases exactly maxLeaseUsd, online or offline, so the lease
// must be above zero (the lease route refuses zero), and an offline allowance below one lease
// would let no call through; it is zero (no offline spend) or at least one lease.
export function validateEndpointSpend(input: EndpointSpendWrite): EndpointSpendWrite {
  const maxLeaseUsd = input.maxLeaseUsd.trim();
  const offlineAllowanceUsd = input.offlineAllowanceUsd.trim();
  const amount = (value: string, field: string, label: string) => {
    if (!DECIMAL_USD.test(value)) {
      throw new GovernanceError(
        GovernanceErrorCode.Invalid,
        `${label}: a USD amount such as 0.50 (digits, at most 6 decimals), not "${value}"`,
        field,
      );
    }
    return new Decimal(value);
  };
  const lease = amount(maxLeaseUsd, 'maxLeaseUsd', 'lease per model call');
  if (lease.lte(0) || lease.gt(MAX_LEASE_CEILING_USD)) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `lease per model call: above 0 and at most ${MAX_LEASE_CEILING_USD} USD`,
      'maxLeaseUsd',
    );
  }
  const offline = amount(offlineAllowanceUsd, 'offlineAllowanceUsd', 'offline allowance');
  if (offline.gt(OFFLINE_ALLOWANCE_CEILING_USD)) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `offline allowance: at most ${OFFLINE_ALLOWANCE_CEILING_USD} USD`,
      'offlineAllowanceUsd',
    );
  }
  if (offline.gt(0) && offline.lt(lease)) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `offline allowance: 0, or at least the lease per model call (${lease.toFixed()} USD); each offline call counts a whole lease`,
      'offlineAllowanceUsd',
    );
  }
  return {
    leaseRequired: input.leaseRequired,
    maxLeaseUsd: lease.toFixed(),
    offlineAllowanceUsd: offline.toFixed(),
  };
}
