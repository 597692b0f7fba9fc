import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/config';

export const SECRET_KEY_FILE = 'secret.key';

// The installation's master secret: STEWARD_SECRET_KEY, or else one generated on first start into
// STEWARD_DATA_DIR/secret.key (0600) and read from there afterwards. Every replica must resolve to
// the same secret, so multi-node deployments set the variable.
export function resolveSecretKey(
  config: Pick<Config, 'STEWARD_SECRET_KEY' | 'STEWARD_DATA_DIR'>,
): string {
  if (config.STEWARD_SECRET_KEY) return config.STEWARD_SECRET_KEY;
  const file = path.join(config.STEWARD_DATA_DIR, SECRET_KEY_FILE);
  fs.mkdirSync(config.STEWARD_DATA_DIR, { recursive: true });
  try {
    // `wx`: two processes starting together never both write; the loser reads the winner's key.
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

const SEALED_VERSION = 1;

// AES-256-GCM under a key derived (HKDF-SHA256) from the master secret for one purpose. `context`
// is authenticated data: a sealed value only opens for the row it was sealed for.
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'steward', purpose, 32));
  }

  seal(plaintext: Buffer, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([SEALED_VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, context: string): Buffer {
    if (sealed[0] !== SEALED_VERSION) throw new Error('unknown sealed-value version');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 13))
      .setAAD(Buffer.from(context))
      .setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
  }
}
