import Decimal from 'decimal.js';
import type { SpendLimitForUser } from './spend-limits.types';
import type { CounterSnapshot } from './spend.repository';
import { SpendError, SpendErrorCode } from './spend.errors';
import type { BudgetStatus } from './spend.service';

// USD amounts and budget views shared by the spend service's leases, settlement and console.

// A non-negative USD amount with at most 6 decimals, as a string (never a float), below
// 10^integerDigits: by default what a DECIMAL(18,6) column holds.
export function parseUsd(value: string, name: string, integerDigits = 12): string {
  if (!new RegExp(`^\\d{1,${integerDigits}}(\\.\\d{1,6})?$`).test(value)) {
    throw new SpendError(
      SpendErrorCode.Invalid,
      `${name}: a USD amount like "0.25" below ${(10 ** integerDigits).toLocaleString('en-US')} (at most 6 decimals)`,
    );
  }
  return new Decimal(value).toFixed();
}

export function usd(value: Decimal.Value): string {
  return new Decimal(value).toDecimalPlaces(6).toFixed();
}

export function modelCost(
  price: { inputUsdPerMillion: Decimal.Value; outputUsdPerMillion: Decimal.Value },
  inputTokens: number,
  outputTokens: number,
): Decimal {
  return new Decimal(inputTokens)
    .times(price.inputUsdPerMillion.toString())
    .plus(new Decimal(outputTokens).times(price.outputUsdPerMillion.toString()))
    .dividedBy(1_000_000)
    .toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
}

export function budgetStatus(
  limit: Pick<SpendLimitForUser, 'id' | 'subjectType' | 'subjectId' | 'period' | 'enforcement'>,
  snapshot: CounterSnapshot,
  resetsAt: Date,
): BudgetStatus {
  const remaining = new Decimal(snapshot.limitUsd)
    .minus(snapshot.spentUsd)
    .minus(snapshot.reservedUsd);
  return {
    limitId: limit.id,
    subjectType: limit.subjectType,
    subjectId: limit.subjectId,
    period: limit.period,
    periodKey: snapshot.periodKey,
    enforcement: limit.enforcement,
    limitUsd: usd(snapshot.limitUsd),
    spentUsd: usd(snapshot.spentUsd),
    reservedUsd: usd(snapshot.reservedUsd),
    remainingUsd: usd(Decimal.max(0, remaining)),
    resetsAt: resetsAt.toISOString(),
  };
}
