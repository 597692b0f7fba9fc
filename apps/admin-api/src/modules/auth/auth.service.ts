import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry } from '../audit/audit.service';
import { hashSecret } from '../credentials/secrets';
import { OrganizationsService } from '../organizations/organizations.service';
import { AdminPrincipal, AdminRole, highestRole } from './admin-principal';
import { AdminsRepository } from './admins.repository';
import { SamlRefusal, SamlService } from './saml/saml.service';
import type { SamlIdentity } from './saml/saml.service';
import { SamlRepository } from './saml/saml.repository';
import { IssuedSession, SessionsService } from './sessions.service';
import { isUuid } from '../../platform/database/uuid';

export type SignInResult =
  { ok: true; session: IssuedSession } | { ok: false; reason: string; code?: string };

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
    const refuse = async (code: string, reason: string, data: Record<string, unknown> = {}) => {
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
      return refuse('not_configured', 'SAML single sign-on is not set up for this organization.');
    }
    let identity: SamlIdentity;
    try {
      identity = await this.saml.verifyResponse(organization, connection, samlResponse);
    } catch (error) {
      if (error instanceof SamlRefusal) return refuse(error.code, error.message);
      throw error;
    }
    const mappings = identity.groups.length
      ? await this.samlSettings.rolesForGroups(organization.id, identity.groups)
      : [];
    const role = highestRole(mappings.map((mapping) => mapping.role));
    const previous = await this.admins.findByEmail(organization.id, identity.email);
    if (!role) {
      // The IdP no longer puts this person in an admin group: sessions they still hold end too.
      const sessionsRevoked = previous
        ? await this.sessions.revokeAllOf(organization.id, previous.id)
        : 0;
      const groups = identity.groups.slice(0, GROUPS_SHOWN);
      return refuse(
        'no_mapped_group',
        `You signed in as ${identity.email}, but none of your groups (${groups.join(', ') || 'none sent'}) gives an admin role in Steward. Ask an owner of this organization to map one of your groups to an admin role.`,
        { email: identity.email, groups, sessionsRevoked },
      );
    }
    const signIn = { identity, role, groups: mappings.map((mapping) => mapping.idpGroup), ip };
    return { ok: true, session: await this.admitSamlAdmin(organization.id, signIn, previous) };
  }

  // Records the admin's sign-in with the role their groups grant and starts their session.
  private async admitSamlAdmin(
    organizationId: string,
    signIn: SamlSignIn,
    previous: { name: string | null; role: AdminRole } | null,
  ): Promise<IssuedSession> {
    const { identity, role } = signIn;
    const admin = await this.admins.upsertSignIn(organizationId, {
      email: identity.email,
      name: identity.name ?? previous?.name ?? undefined,
      role,
      source: 'saml',
    });
    const signedInAt = new Date();
    // The first successful SAML sign-in also closes the first-run bootstrap path for good.
    const closedBootstrap = await this.samlSettings.transaction(async (tx) => {
      await this.samlSettings.recordSignIn(tx, organizationId, signedInAt);
      return this.organizations.closeBootstrap(organizationId, signedInAt, tx);
    });
    const session = await this.sessions.start(organizationId, admin.id);
    await this.audit.recordMany(
      organizationId,
      samlSignInRecords(organizationId, { ...signIn, admin, previous, closedBootstrap }),
    );
    return session;
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
      !(await this.organizations.consumeBootstrapToken(
        organization.id,
        hashSecret(token),
        new Date(),
      ))
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

  // Everyone who has signed in to the console, highest role first.
  listAdmins(organizationId: string) {
    return this.admins.list(organizationId);
  }

  // An owner ends any console session of the organization (a lost laptop, a departed admin).
  // False when the organization has no such live session.
  async revokeSession(owner: AdminPrincipal, sessionId: string): Promise<boolean> {
    if (!isUuid(sessionId)) return false;
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

// A SAML sign-in the admin's IdP groups allow: who, with which role, from which mapped groups.
interface SamlSignIn {
  identity: SamlIdentity;
  role: AdminRole;
  groups: string[];
  ip: string;
}

// The audit records of an admitted SAML sign-in: the role change it brought, the bootstrap path it
// closed, and the sign-in itself.
function samlSignInRecords(
  organizationId: string,
  signIn: SamlSignIn & {
    admin: { id: string; email: string };
    previous: { role: AdminRole } | null;
    closedBootstrap: boolean;
  },
): AuditEntry[] {
  const { admin, previous, role } = signIn;
  const actor = {
    actorType: 'admin' as const,
    actorId: admin.id,
    resourceType: 'admin',
    resourceId: admin.id,
  };
  return [
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
    ...(signIn.closedBootstrap
      ? [
          {
            ...actor,
            action: 'organization.bootstrap_disabled',
            resourceType: 'organization',
            resourceId: organizationId,
            data: { cause: 'first_saml_sign_in' },
          },
        ]
      : []),
    {
      ...actor,
      action: 'admin.signed_in',
      data: {
        method: 'saml',
        initiatedBy: signIn.identity.initiatedBy,
        role,
        groups: signIn.groups,
        created: !previous,
        ip: signIn.ip,
      },
    },
  ];
}
