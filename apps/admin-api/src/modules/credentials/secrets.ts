import { hash, randomBytes } from 'node:crypto';

// Secrets carry a prefix that says what they are (so a leaked one is recognisable in logs and by
// secret scanners) and 256 random bits. Only a SHA-256 is stored: the secrets are random, so a
// fast hash is enough, and it lets a request find its credential by an indexed equality lookup.
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

// One-shot crypto.hash: every endpoint request hashes its credential, and a Hash object per call
// cost several times as much (~3 µs against ~0.5-1.2 µs).
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

// The prefix and the first 4 random characters: enough to tell credentials apart in a list. The
// prefix is given, not searched for: the random part is base64url, which has underscores too.
export function secretHint(prefix: string, secret: string): string {
  return `${secret.slice(0, prefix.length + 4)}…`;
}
