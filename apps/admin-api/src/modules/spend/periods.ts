import { DateTime } from 'luxon';

export type SpendPeriod = 'day' | 'week' | 'month';

export interface PeriodWindow {
  // `2026-11-24` (day), `2026-W48` (ISO week), `2026-11` (month): the counter a new period starts
  // at zero by being a new key.
  key: string;
  startsAt: Date;
  resetsAt: Date;
}

const UNIT = { day: 'day', week: 'week', month: 'month' } as const;

// The period containing `now` in the organization's time zone (luxon's weeks are ISO weeks,
// Monday first). Midnight is local midnight, also across daylight-saving changes.
export function periodWindow(period: SpendPeriod, timeZone: string, now: Date): PeriodWindow {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) throw new Error(`unknown time zone ${timeZone}`);
  const start = local.startOf(UNIT[period]);
  const key =
    period === 'day'
      ? start.toFormat('yyyy-MM-dd')
      : period === 'week'
        ? start.toFormat("kkkk-'W'WW")
        : start.toFormat('yyyy-MM');
  return {
    key,
    startsAt: start.toJSDate(),
    resetsAt: start.plus({ [`${period}s`]: 1 }).toJSDate(),
  };
}

const current = new Map<string, PeriodWindow>();

// periodWindow for the hot path: the window of a (period, time zone) is reused while `now` is
// inside it, so a lease does no calendar arithmetic until the period changes.
export function currentPeriodWindow(
  period: SpendPeriod,
  timeZone: string,
  now: Date,
): PeriodWindow {
  const key = `${period}:${timeZone}`;
  const cached = current.get(key);
  if (cached && now >= cached.startsAt && now < cached.resetsAt) return cached;
  const window = periodWindow(period, timeZone, now);
  current.set(key, window);
  return window;
}
