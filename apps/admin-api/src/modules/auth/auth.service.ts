import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { hashSecret } from '../credentials/secrets';
import { OrganizationsService } from '../organizations/organizations.service';
import { AdminPrincipal, highestRole } from './admin-principal';
import { AdminsRepository } from './admins.repository';
import { SamlRefusal, SamlService } from './saml/saml.service';
import { SamlRepository } from './saml/saml.repository';
import { IssuedSession, SessionsService } from './sessions.service';

export type SignInResult =
  { ok: true; session: IssuedSession } | { ok: false; reason: string; code?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Group lists can be long; a refusal page and an audit record show the first few.
const GROUPS_SHOWN = 20;

@Injectable()
export class AuthService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly admins: AdminsRepository,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly saml: SamlService,
    private readonly samlSettings: SamlRepository,
  ) {}

  // Where an admin's browser goes to sign in with the organization's IdP; null when SAML is not
  // set up for it.
  async samlLoginUrl(orgSlug: string, relayState: string): Promise<string | null> {
    const organization = await this.organizations.findBySlug(orgSlug);
    if (!organization) return null;
    const connection = await this.samlSettings.findConnection(organization.id);
    if (!connection) return null;
    return this.saml.loginRedirectUrl(organization, connection, relayState);
  }

  // The ACS: a SAML response posted by the admin's browser. Signs in with the role the admin's
  // IdP groups map to, or refuses with a reason (recorded in the audit log).
  async signInWithSaml(orgSlug: string, samlResponse: string, ip: string): Promise<SignInResult> {
    const organization = await this.organizations.findBySlug(orgSlug);
    if (!organization)
      return { ok: false, code: 'not_found', reason: 'There is no such organization.' };
    const fail = async (code: string, reason: string, data: Record<string, unknown> = {}) => {
      await this.audit.record(organization.id, {
        actorType: 'admin',
        action: 'admin.sign_in_failed',
        resourceType: 'admin',
        data: { method: 'saml', code, reason, ip, ...data },
      });
      return { ok: false as const, code, reason };
    };
    const connection = await this.samlSettings.findConnection(organization.id);
    if (!connection) {
      return fail('not_configured', 'SAML single sign-on is not set up for this organization.');
    }
    let identity;
    try {
      identity = await this.saml.verifyResponse(organization, connection, samlResponse);
    } catch (error) {
      if (error instanceof SamlRefusal) return fail(error.code, error.message);
      throw error;
    }
    const mappings = identity.groups.length
      ? await this.samlSettings.rolesForGroups(organization.id, identity.groups)
      : [];
    const role = highestRole(mappings.map((mapping) => mapping.role));
    const shownGroups = identity.groups.slice(0, GROUPS_SHOWN);
    const previous = await this.admins.findByEmail(organization.id, identity.email);
    if (!role) {
      // The IdP no longer puts this person in an admin group: sessions they still hold end too.
      const sessionsRevoked = previous
        ? await this.sessions.revokeAllOf(organization.id, previous.id)
        : 0;
      return fail(
        'no_mapped_group',
        `You signed in as ${identity.email}, but none of your groups (${shownGroups.join(', ') || 'none sent'}) gives an admin role in Steward. Ask an owner of this organization to map one of your groups to an admin role.`,
        { email: identity.email, groups: shownGroups, sessionsRevoked },
      );
    }
    const admin = await this.admins.upsertSignIn(organization.id, {
      email: identity.email,
      name: identity.name ?? previous?.name ?? undefined,
      role,
      source: 'saml',
    });
    const closedBootstrap = await this.samlSettings.recordSuccessfulSignIn(
      organization.id,
      new Date(),
    );
    const session = await this.sessions.start(organization.id, admin.id);
    const actor = {
      actorType: 'admin' as const,
      actorId: admin.id,
      resourceType: 'admin',
      resourceId: admin.id,
    };
    await this.audit.recordMany(organization.id, [
      ...(previous && previous.role !== role
        ? [
            {
              ...actor,
              action: 'admin.role_changed',
              data: {
                email: admin.email,
                from: previous.role,
                to: role,
                cause: 'idp_groups_at_sign_in',
              },
            },
          ]
        : []),
      ...(closedBootstrap
        ? [
            {
              ...actor,
              action: 'organization.bootstrap_disabled',
              resourceType: 'organization',
              resourceId: organization.id,
              data: { cause: 'first_saml_sign_in' },
            },
          ]
        : []),
      {
        ...actor,
        action: 'admin.signed_in',
        data: {
          method: 'saml',
          initiatedBy: identity.initiatedBy,
          role,
          groups: mappings.map((mapping) => mapping.idpGroup),
          created: !previous,
          ip,
        },
      },
    ]);
    return { ok: true, session };
  }

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

  // An owner ends any console session of the organization (a lost laptop, a departed admin).
  // False when the organization has no such live session.
  async revokeSession(owner: AdminPrincipal, sessionId: string): Promise<boolean> {
    if (!UUID.test(sessionId)) return false;
    if (!(await this.sessions.revoke(owner.organizationId, sessionId))) return false;
    await this.audit.record(owner.organizationId, {
      actorType: 'admin',
      actorId: owner.adminId,
      action: 'admin.session_revoked',
      resourceType: 'admin_session',
      resourceId: sessionId,
    });
    return true;
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
