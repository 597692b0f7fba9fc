import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { hashSecret } from '../credentials/secrets';
import { OrganizationsService } from '../organizations/organizations.service';
import { AdminPrincipal } from './admin-principal';
import { AdminsRepository } from './admins.repository';
import { IssuedSession, SessionsService } from './sessions.service';

export type SignInResult = { ok: true; session: IssuedSession } | { ok: false; reason: string };

@Injectable()
export class AuthService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly admins: AdminsRepository,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  async signInWithBootstrapToken(
    orgSlug: string,
    token: string,
    ip: string,
  ): Promise<SignInResult> {
    const organization = await this.organizations.findBySlug(orgSlug);
    const fail = async (reason: string): Promise<SignInResult> => {
      if (organization) {
        await this.audit.record(organization.id, {
          actorType: 'admin',
          action: 'admin.sign_in_failed',
          resourceType: 'admin',
          data: { method: 'bootstrap', reason, ip },
        });
      }
      return { ok: false, reason };
    };
    if (!organization) return fail('There is no such organization.');
    if (organization.bootstrapDisabledAt) {
      return fail(
        'First-run sign-in is disabled for this organization because SAML single sign-on works; sign in with SSO.',
      );
    }
    if (
      !(await this.admins.consumeBootstrapToken(organization.id, hashSecret(token), new Date()))
    ) {
      return fail(
        'The link was already used, has expired or was replaced by a newer one. Ask the operator for a new one (steward org bootstrap-link).',
      );
    }
    const admin = await this.admins.upsertSignIn(organization.id, {
      email: `first-admin@${organization.slug}`,
      name: 'First admin',
      role: 'owner',
      source: 'bootstrap',
    });
    const session = await this.sessions.start(organization.id, admin.id);
    await this.audit.record(organization.id, {
      actorType: 'admin',
      actorId: admin.id,
      action: 'admin.signed_in',
      resourceType: 'admin',
      resourceId: admin.id,
      data: { method: 'bootstrap', role: admin.role, ip },
    });
    return { ok: true, session };
  }

  async signOut(admin: AdminPrincipal): Promise<void> {
    await this.sessions.end(admin);
    await this.audit.record(admin.organizationId, {
      actorType: 'admin',
      actorId: admin.adminId,
      action: 'admin.signed_out',
      resourceType: 'admin',
      resourceId: admin.adminId,
    });
  }
}
