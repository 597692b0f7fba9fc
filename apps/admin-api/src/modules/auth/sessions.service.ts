import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { hashSecret, newSecret } from '../credentials/secrets';
import { AdminPrincipal } from './admin-principal';
import { SessionsRepository } from './sessions.repository';

export const SESSION_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
// Recording activity on every request would make each read a write; a minute is precise enough
// for a 30-minute idle limit.
const ACTIVITY_PRECISION_MS = 60 * 1000;

export interface IssuedSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

// The CSRF token is derived from the session token (an HMAC keyed by it), so it needs no storage,
// changes with every session, and can't be computed by a page that cannot read the session cookie.
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('steward-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

@Injectable()
export class SessionsService {
  constructor(private readonly sessions: SessionsRepository) {}

  async start(organizationId: string, adminId: string): Promise<IssuedSession> {
    const token = newSecret('stw_sess_');
    const expiresAt = new Date(Date.now() + SESSION_ABSOLUTE_TIMEOUT_MS);
    await this.sessions.create({
      organizationId,
      adminId,
      tokenHash: hashSecret(token),
      expiresAt,
    });
    return { token, csrfToken: csrfTokenFor(token), expiresAt };
  }

  async resolve(token: string | undefined): Promise<AdminPrincipal | null> {
    if (!token) return null;
    const now = new Date();
    const session = await this.sessions.findLiveByTokenHash(hashSecret(token), now);
    if (!session) return null;
    const idleFor = now.getTime() - session.lastSeenAt.getTime();
    if (idleFor > SESSION_IDLE_TIMEOUT_MS) {
      await this.sessions.revoke(session.organizationId, session.id, now);
      return null;
    }
    if (idleFor > ACTIVITY_PRECISION_MS) await this.sessions.touch(session.id, now);
    return {
      adminId: session.admin.id,
      organizationId: session.organizationId,
      role: session.admin.role,
      email: session.admin.email,
      sessionId: session.id,
    };
  }

  async end(principal: AdminPrincipal): Promise<void> {
    await this.sessions.revoke(principal.organizationId, principal.sessionId, new Date());
  }

  // Sessions still usable (idle ones included until their next request ends them).
  listLive(organizationId: string) {
    return this.sessions.listLive(organizationId, new Date());
  }

  // Ends every session of an admin; returns how many were live.
  revokeAllOf(organizationId: string, adminId: string): Promise<number> {
    return this.sessions.revokeAllOf(organizationId, adminId, new Date());
  }

  // False when the organization has no such live session.
  revoke(organizationId: string, sessionId: string): Promise<boolean> {
    return this.sessions.revoke(organizationId, sessionId, new Date());
  }
}
