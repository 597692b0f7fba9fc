import { createHash, randomBytes } from 'node:crypto';

// Secrets carry a prefix that says what they are (so a leaked one is recognisable in logs and by
// secret scanners) and 256 random bits. Only a SHA-256 is stored: the secrets are random, so a
// fast hash is enough, and it lets a request find its credential by an indexed equality lookup.
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretHint(secret: string): string {
  return `${secret.slice(0, secret.lastIndexOf('_') + 5)}…`;
}
