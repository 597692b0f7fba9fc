import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Endpoint } from '../../generated/prisma/client';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import { BundleError, BundleErrorCode } from '../bundles/bundle.errors';
import { BundlesService } from '../bundles/bundles.service';
import { SigningKeysService } from '../bundles/signing-keys.service';
import { CredentialError, CredentialErrorCode } from '../credentials/credentials.errors';
import { CredentialsService } from '../credentials/credentials.service';
import { DirectoryService } from '../directory/directory.service';
import { ENDPOINT_REVOKED_CHANNEL } from './endpoint-events';
import { EndpointsRepository } from './endpoints.repository';
import type { EndpointStatus, GovernedAgent } from './endpoints.repository';
import type { AgentsReport } from './endpoints.dto';
import { isUuid } from '../../platform/database/uuid';

export interface Enrolment {
  user: string;
  deviceName: string;
  os: 'macos' | 'windows' | 'linux';
  runtimeVersion: string;
}

export interface Enrolled {
  endpointId: string;
  organizationId: string;
  userId: string;
  credential: string;
  trustSet: string;
}

@Injectable()
export class EndpointsService {
  private readonly logger = new Logger('Endpoints');

  constructor(
    private readonly endpoints: EndpointsRepository,
    private readonly credentials: CredentialsService,
    private readonly directory: DirectoryService,
    private readonly bundles: BundlesService,
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  // Enrols a device for a directory user: its own credential, the trust set, and a first bundle
  // published before this returns.
  async enrol(
    organizationId: string,
    enrolmentTokenId: string,
    request: Enrolment,
  ): Promise<Enrolled> {
    const user = isUuid(request.user)
      ? await this.directory.findUser(organizationId, request.user)
      : (
          await this.directory.listUsers(organizationId, {
            filter: { op: 'eq', field: 'userName', value: request.user },
            take: 1,
          })
        ).items[0];
    if (!user)
      throw new BundleError(
        BundleErrorCode.UserNotFound,
        `no user ${request.user} in the directory`,
      );
    if (!user.active) {
      throw new BundleError(
        BundleErrorCode.UserDeactivated,
        `user ${user.userName} is deactivated`,
      );
    }
    const credential = await this.credentials.issue(organizationId, 'endpoint', {
      name: `endpoint ${request.deviceName}`,
      actor: { type: 'endpoint', id: enrolmentTokenId },
    });
    const endpoint = await this.endpoints.create(organizationId, {
      userId: user.id,
      credentialId: credential.id,
      deviceName: request.deviceName,
      os: request.os,
      runtimeVersion: request.runtimeVersion,
    });
    await this.audit.record(organizationId, {
      actorType: 'endpoint',
      actorId: enrolmentTokenId,
      action: 'endpoint.enrolled',
      resourceType: 'endpoint',
      resourceId: endpoint.id,
      data: {
        userId: user.id,
        deviceName: request.deviceName,
        os: request.os,
        runtimeVersion: request.runtimeVersion,
      },
    });
    await this.bundles.publishForEndpoints(organizationId, [endpoint.id], 'endpoint.enrolled');
    const trustSet = await this.keys.latestTrustSet(organizationId);
    return {
      endpointId: endpoint.id,
      organizationId,
      userId: user.id,
      credential: credential.secret,
      trustSet: trustSet.envelope.toString('utf8'),
    };
  }

  list(organizationId: string, options: { userId?: string; includeRevoked?: boolean } = {}) {
    return this.endpoints.list(organizationId, {
      userId: options.userId,
      includeRevoked: options.includeRevoked ?? false,
    });
  }

  async revoke(organizationId: string, id: string, actor: { type: 'admin'; id: string }) {
    const endpoint = await this.endpoints.find(organizationId, id);
    if (!endpoint) throw new BundleError(BundleErrorCode.EndpointNotFound, `no endpoint ${id}`);
    if (endpoint.revokedAt) {
      throw new BundleError(
        BundleErrorCode.EndpointAlreadyRevoked,
        `endpoint ${id} is already revoked`,
      );
    }
    // The credential, the endpoint and the record in one transaction: a failure between them would
    // leave a dead credential on an endpoint shown as live, which no second try could revoke.
    // A concurrent revocation waits on the endpoint's row and then finds it revoked.
    const revoked = await this.endpoints.transaction(async (tx) => {
      const row = await this.endpoints.revoke(tx, organizationId, id, new Date());
      if (!row) {
        throw new BundleError(
          BundleErrorCode.EndpointAlreadyRevoked,
          `endpoint ${id} is already revoked`,
        );
      }
      await this.credentials
        .revoke(endpoint.credentialId, actor, organizationId, tx)
        .catch((error: unknown) => {
          // Revoked on its own before (as a machine credential): the endpoint still is to be.
          if (!(
            error instanceof CredentialError && error.code === CredentialErrorCode.AlreadyRevoked
          ))
            throw error;
        });
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'endpoint.revoked',
          resourceType: 'endpoint',
          resourceId: id,
          data: { deviceName: endpoint.deviceName, userId: endpoint.userId },
        },
        tx,
      );
      return row;
    });
    // Committed: a bus that is down does not turn it into an error. Replicas then stop trusting
    // the credential when their cache of it expires (CREDENTIAL_CACHE_MS).
    await this.bus
      .publish(ENDPOINT_REVOKED_CHANNEL, JSON.stringify({ organizationId, endpointId: id }))
      .catch((error: unknown) =>
        this.logger.warn(`endpoint ${id} revoked; replicas not told at once: ${String(error)}`),
      );
    return revoked;
  }

  async report(organizationId: string, endpointId: string, status: EndpointStatus) {
    await this.endpoints.report(organizationId, endpointId, status, new Date());
  }

  find(organizationId: string, id: string): Promise<Endpoint | null> {
    return this.endpoints.find(organizationId, id);
  }

  async reportAgents(organizationId: string, endpointId: string, agents: AgentsReport['agents']) {
    const held = await this.endpoints.governedAgents(organizationId, endpointId);
    const merged = agents.map((report): GovernedAgent => ({
      agent: report.agent,
      version: held.find((a) => a.agent === report.agent)?.version ?? null,
      access: report.access,
      bundleVersion: report.bundleVersion,
      reason: report.reason,
      digest: report.digest,
      appliedAt: report.writtenAt,
    }));
    const others = held.filter((a) => !agents.some((report) => report.agent === a.agent));
    await this.endpoints.saveGovernedAgents(organizationId, endpointId, [...merged, ...others]);
  }

  // The agent's version as its telemetry names it; written only when it changes.
  async noteAgentVersion(
    organizationId: string,
    endpointId: string,
    agent: string,
    version: string,
  ) {
    const held = await this.endpoints.governedAgents(organizationId, endpointId);
    const current = held.find((a) => a.agent === agent);
    if (current?.version === version) return;
    const updated: GovernedAgent = current
      ? { ...current, version }
      : {
          agent,
          version,
          access: null,
          bundleVersion: null,
          reason: null,
          digest: null,
          appliedAt: null,
        };
    await this.endpoints.saveGovernedAgents(organizationId, endpointId, [
      updated,
      ...held.filter((a) => a.agent !== agent),
    ]);
  }
}
