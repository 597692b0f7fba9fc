import { Injectable } from '@nestjs/common';
import { Credential, CredentialType } from '../../generated/prisma/client';
import { AuditService, ActorType } from '../audit/audit.service';
import { ANALYTICS_SCOPES, CREDENTIAL_PREFIX } from './credential-types';
import { CredentialError, CredentialErrorCode } from './credentials.errors';
import { CredentialsRepository } from './credentials.repository';
import type { CredentialsTx } from './credentials.repository';
import { hashSecret, newSecret, secretHint } from './secrets';
import { isUuid } from '../../platform/database/uuid';

export interface IssuedCredential {
  id: string;
  type: CredentialType;
  name: string;
  // Shown once, never stored.
  secret: string;
}

export interface Actor {
  type: ActorType;
  id?: string;
}

// Writing last-used on every request would turn each authenticated read into a write; a minute's
// precision is what an admin needs to spot an unused token.
const LAST_USED_PRECISION_MS = 60_000;

@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly audit: AuditService,
  ) {}

  async issue(
    organizationId: string,
    type: CredentialType,
    options: { name?: string; scopes?: string[]; actor: Actor },
  ): Promise<IssuedCredential> {
    const scopes = type === 'analytics' ? (options.scopes ?? [...ANALYTICS_SCOPES]) : [];
    const unknown = scopes.filter(
      (scope) => !(ANALYTICS_SCOPES as readonly string[]).includes(scope),
    );
    if (unknown.length) {
      throw new CredentialError(
        CredentialErrorCode.InvalidScope,
        `unknown scope ${unknown.join(', ')}; scopes are ${ANALYTICS_SCOPES.join(', ')}`,
      );
    }
    const prefix = CREDENTIAL_PREFIX[type];
    const secret = newSecret(prefix);
    const name = options.name ?? `${type} token`;
    const credential = await this.credentials.create(organizationId, {
      type,
      name,
      secretHash: hashSecret(secret),
      hint: secretHint(prefix, secret),
      scopes,
      createdBy: options.actor.id,
    });
    await this.audit.record(organizationId, {
      actorType: options.actor.type,
      actorId: options.actor.id,
      action: 'credential.created',
      resourceType: 'credential',
      resourceId: credential.id,
      data: { type, name, scopes },
    });
    return { id: credential.id, type, name, secret };
  }

  list(organizationId: string, type?: CredentialType): Promise<Credential[]> {
    return this.credentials.list(organizationId, type);
  }

  // organizationId is absent only for operators (the CLI), who may revoke any token by id.
  // Revoked with its audit record in one transaction: the caller's when it revokes more with it
  // (an endpoint and its credential), else one of its own.
  async revoke(
    id: string,
    actor: Actor,
    organizationId?: string,
    tx?: CredentialsTx,
  ): Promise<Credential> {
    if (!tx)
      return this.credentials.transaction((own) => this.revoke(id, actor, organizationId, own));
    const credential = isUuid(id) ? await this.credentials.findById(id, tx) : null;
    if (!credential || (organizationId && credential.organizationId !== organizationId)) {
      throw new CredentialError(CredentialErrorCode.NotFound, `no credential ${id}`);
    }
    const revokedAt = new Date();
    if (!(await this.credentials.revoke(tx, credential.organizationId, id, revokedAt))) {
      throw new CredentialError(
        CredentialErrorCode.AlreadyRevoked,
        `credential ${id} is already revoked`,
      );
    }
    await this.audit.record(
      credential.organizationId,
      {
        actorType: actor.type,
        actorId: actor.id,
        action: 'credential.revoked',
        resourceType: 'credential',
        resourceId: id,
        data: { type: credential.type, name: credential.name },
      },
      tx,
    );
    return { ...credential, revokedAt };
  }

  // The credential a presented secret belongs to, if it is of the expected type and not revoked.
  async authenticate(secret: string, type: CredentialType): Promise<Credential | null> {
    if (!secret.startsWith(CREDENTIAL_PREFIX[type])) return null;
    const credential = await this.credentials.findActiveByHash(hashSecret(secret));
    if (!credential || credential.type !== type) return null;
    const now = new Date();
    if (
      !credential.lastUsedAt ||
      now.getTime() - credential.lastUsedAt.getTime() > LAST_USED_PRECISION_MS
    ) {
      await this.credentials.touch(credential.id, now);
    }
    return credential;
  }
}
