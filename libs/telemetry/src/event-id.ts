import { createHash, randomBytes } from 'node:crypto';

// UUID version 7 (RFC 9562): a 48-bit millisecond timestamp, then random bits, so ids sort by
// creation time and a retried batch carries the same ids. Written here because Node only ships
// version 4; within one millisecond a counter in the random field keeps ids from this process
// strictly increasing.
let lastMs = 0;
let sequence = 0;

export function newEventId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    sequence = bytes.readUInt16BE(6) & 0x7ff;
  }
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isEventId(value: string): boolean {
  return UUID_V7.test(value);
}

/**
 * A UUID version 7 for a record that arrives with no id of its own (an OTLP log record): the
 * record's time and a SHA-256 of a key that names it, so the same record sent again gets the same
 * id and is stored once.
 */
export function derivedEventId(ms: number, key: string): string {
  const digest = createHash('sha256').update(key).digest();
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.min(ms, 2 ** 48 - 1)), 0, 6);
  digest.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
