import { AnalyticsError, AnalyticsErrorCode } from './analytics.errors';

// Opaque keyset cursors: the last row's sort key, base64url JSON. A tampered cursor is refused.

export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === length &&
      key.every((part) => typeof part === 'string' || typeof part === 'number')
    ) {
      return key as (string | number)[];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AnalyticsError(AnalyticsErrorCode.InvalidCursor, 'invalid cursor');
}
