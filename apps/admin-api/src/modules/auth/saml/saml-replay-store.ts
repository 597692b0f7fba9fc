import type { Redis } from 'ioredis';

// What SAML sign-in must share between API replicas: the ids of AuthnRequests still awaiting
// their response (each answered at most once), and the ids of assertions already accepted (each
// accepted at most once, until it expires). Both operations are single atomic steps in the store,
// so two replicas handed the same response at the same moment cannot both accept it.
export interface SamlReplayStore {
  rememberRequest(organizationId: string, requestId: string, ttlMs: number): Promise<void>;
  // True exactly once per remembered, unexpired request id.
  consumeRequest(organizationId: string, requestId: string): Promise<boolean>;
  // True the first time an assertion id is seen before `expiresAt`; false for a replay.
  acceptAssertionOnce(
    organizationId: string,
    assertionId: string,
    expiresAt: Date,
  ): Promise<boolean>;
}

export const SAML_REPLAY_STORE = Symbol('SamlReplayStore');

export class RedisSamlReplayStore implements SamlReplayStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: 'request' | 'assertion', organizationId: string, id: string): string {
    return `${this.prefix}:saml:${kind}:${organizationId}:${id}`;
  }

  async rememberRequest(organizationId: string, requestId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key('request', organizationId, requestId), '1', 'PX', ttlMs);
  }

  async consumeRequest(organizationId: string, requestId: string): Promise<boolean> {
    return (await this.redis.getdel(this.key('request', organizationId, requestId))) !== null;
  }

  async acceptAssertionOnce(
    organizationId: string,
    assertionId: string,
    expiresAt: Date,
  ): Promise<boolean> {
    const ttlMs = Math.max(1, expiresAt.getTime() - Date.now());
    const result = await this.redis.set(
      this.key('assertion', organizationId, assertionId),
      '1',
      'PX',
      ttlMs,
      'NX',
    );
    return result === 'OK';
  }
}
