import { Inject, Injectable } from '@nestjs/common';
import { Organization, Prisma } from '../../generated/prisma/client';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { AuditService, ActorType } from '../audit/audit.service';
import { hashSecret, newSecret } from '../credentials/secrets';
import { OrganizationError, OrganizationErrorCode } from './organizations.errors';
import { OrganizationsRepository } from './organizations.repository';
import { slugify } from './slug';

const BOOTSTRAP_LIFETIME_MS = 24 * 60 * 60 * 1000;
const FIRST_ORGANIZATION_NAME = 'My organization';

function validName(name: string): string {
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (!trimmed || trimmed.length > 200 || /[\u0000-\u001f]/.test(trimmed)) {
    throw new OrganizationError(
      OrganizationErrorCode.InvalidName,
      'an organization name is 1 to 200 characters, without control characters',
    );
  }
  return trimmed;
}

@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly audit: AuditService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  // True for exactly one caller, and only while the token is valid.
  consumeBootstrapToken(id: string, tokenHash: string, now: Date): Promise<boolean> {
    return this.organizations.consumeBootstrapToken(id, tokenHash, now);
  }

  // The first successful SAML sign-in closes the first-run path for good (in the caller's
  // transaction); true when this call is the one that closed it.
  closeBootstrap(id: string, at: Date, tx?: Prisma.TransactionClient): Promise<boolean> {
    return this.organizations.closeBootstrap(id, at, tx);
  }

  list(): Promise<Organization[]> {
    return this.organizations.list();
  }

  findById(id: string): Promise<Organization | null> {
    return this.organizations.findById(id);
  }

  findBySlug(slug: string): Promise<Organization | null> {
    return this.organizations.findBySlug(slug);
  }

  async get(idOrSlug: string): Promise<Organization> {
    const organization = /^[0-9a-f-]{36}$/i.test(idOrSlug)
      ? await this.organizations.findById(idOrSlug)
      : await this.organizations.findBySlug(idOrSlug);
    if (!organization)
      throw new OrganizationError(OrganizationErrorCode.NotFound, `no organization ${idOrSlug}`);
    return organization;
  }

  async create(name: string, actor: { type: ActorType; id?: string }): Promise<Organization> {
    const trimmed = validName(name);
    const base = slugify(trimmed);
    for (;;) {
      const taken = new Set(await this.organizations.slugsLike(base));
      let slug = base;
      for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
      const organization = await this.organizations.create({ name: trimmed, slug });
      if (!organization) continue;
      await this.audit.record(organization.id, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'organization.created',
        resourceType: 'organization',
        resourceId: organization.id,
        data: { name: organization.name, slug },
      });
      return organization;
    }
  }

  // The name people see; the slug (in sign-in and SCIM URLs) stays, so nothing configured breaks.
  async rename(
    id: string,
    name: string,
    actor: { type: ActorType; id?: string },
  ): Promise<Organization> {
    const trimmed = validName(name);
    const before = await this.get(id);
    const renamed = await this.organizations.rename(id, trimmed);
    await this.audit.record(id, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'organization.renamed',
      resourceType: 'organization',
      resourceId: id,
      data: { before: { name: before.name }, after: { name: renamed.name } },
    });
    return renamed;
  }

  // On an empty database: the first organization, so `npm start` is usable at once.
  async ensureFirstOrganization(): Promise<{ organization: Organization; created: boolean }> {
    if ((await this.organizations.count()) > 0) {
      return { organization: (await this.organizations.list())[0], created: false };
    }
    return {
      organization: await this.create(FIRST_ORGANIZATION_NAME, { type: 'system' }),
      created: true,
    };
  }

  // Break glass for an operator locked out of SSO: the bootstrap path works again (audited) until
  // the next successful SAML sign-in closes it.
  async reopenBootstrap(
    organization: Organization,
    actor: { type: ActorType; id?: string },
  ): Promise<Organization> {
    const reopened = await this.organizations.reopenBootstrap(organization.id);
    await this.audit.record(organization.id, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'organization.bootstrap_reopened',
      resourceType: 'organization',
      resourceId: organization.id,
    });
    return reopened;
  }

  // A one-time link that signs in the first owner, until SAML works for the organization. Issuing
  // a new one invalidates the previous link.
  async issueBootstrapLink(organization: Organization): Promise<string | null> {
    if (organization.bootstrapDisabledAt) return null;
    const token = newSecret('stw_boot_');
    await this.organizations.setBootstrapToken(
      organization.id,
      hashSecret(token),
      new Date(Date.now() + BOOTSTRAP_LIFETIME_MS),
    );
    return `${this.config.PUBLIC_URL}/auth/bootstrap/${organization.slug}?token=${token}`;
  }
}
