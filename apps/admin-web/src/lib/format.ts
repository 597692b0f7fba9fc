const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(value: string | null | undefined): string {
  return value ? dateTime.format(new Date(value)) : '—';
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

// "3 hours ago", "in 2 days": how far `value` is from `now`, in the largest whole unit.
export function formatRelative(value: string | Date | null | undefined, now = Date.now()): string {
  if (!value) return 'never';
  const delta = new Date(value).getTime() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  }
  return relative.format(Math.round(delta / 1000), 'second');
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });

// USD amounts arrive as exact decimal strings; on screen they are rounded to cents.
export function formatUsd(amount: string | number): string {
  return usd.format(Number(amount));
}
