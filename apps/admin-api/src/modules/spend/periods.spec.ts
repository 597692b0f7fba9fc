import { currentPeriodWindow, periodWindow } from './periods';

describe('periodWindow', () => {
  it('keys days, ISO weeks and months in the organization time zone', () => {
    // 04:30 UTC on Tuesday 24 November 2026 is still Monday evening in New York.
    const now = new Date('2026-11-24T04:30:00Z');
    expect(periodWindow('day', 'UTC', now).key).toBe('2026-11-24');
    expect(periodWindow('day', 'America/New_York', now).key).toBe('2026-11-23');
    expect(periodWindow('week', 'UTC', now).key).toBe('2026-W48');
    expect(periodWindow('month', 'Pacific/Auckland', new Date('2026-11-30T12:00:00Z')).key).toBe(
      '2026-12',
    );
  });

  it('uses the ISO week-numbering year around the new year', () => {
    expect(periodWindow('week', 'UTC', new Date('2027-01-01T12:00:00Z')).key).toBe('2026-W53');
    expect(periodWindow('week', 'UTC', new Date('2025-12-29T12:00:00Z')).key).toBe('2026-W01');
  });

  it('resets at local midnight, also on a daylight-saving day', () => {
    const window = periodWindow('day', 'Europe/Berlin', new Date('2026-10-25T12:00:00Z'));
    expect(window.startsAt.toISOString()).toBe('2026-10-24T22:00:00.000Z');
    // The day the clocks go back has 25 hours.
    expect(window.resetsAt.toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(
      periodWindow('week', 'Asia/Tokyo', new Date('2026-11-24T00:00:00Z')).resetsAt.toISOString(),
    ).toBe('2026-11-29T15:00:00.000Z');
  });

  it('reuses a window only while now is inside it', () => {
    const before = currentPeriodWindow('day', 'Asia/Tokyo', new Date('2026-11-24T14:59:59.999Z'));
    expect(before.key).toBe('2026-11-24');
    expect(currentPeriodWindow('day', 'Asia/Tokyo', new Date('2026-11-24T15:00:00Z')).key).toBe(
      '2026-11-25',
    );
    // Back in time (an injected clock): the earlier day again, not the cached one.
    expect(currentPeriodWindow('day', 'Asia/Tokyo', new Date('2026-11-24T14:00:00Z')).key).toBe(
      '2026-11-24',
    );
  });
});
