import { Injectable } from '@nestjs/common';
import {
  canonicalPath,
  DEFAULT_CEILING,
  isWebHost,
  OPERATING_SYSTEMS,
  patternSystems,
} from '@steward/policy';
import type { OperatingSystem } from '@steward/policy';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { GovernanceRepository } from './governance.repository';
import type { GovernanceActor } from './governance.types';
import { GovernanceSettingsService } from './governance-settings.service';
import { GovernanceWrites } from './governance-writes';
import { isUuid } from '../../platform/database/uuid';

// Folders and network: the organization's ceiling of forbidden places (built-in defaults it may
// switch off, and its own entries) and the hosts that shell commands may reach. Every role's
// folders and every user's web access are bounded by them, so each change reaches every user;
// each answers with the settings as the console shows them.
@Injectable()
export class FoldersService {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly writes: GovernanceWrites,
    private readonly settings: GovernanceSettingsService,
  ) {}

  async setCeilingDefaultEnabled(
    organizationId: string,
    id: string,
    enabled: boolean,
    actor: GovernanceActor,
  ) {
    if (!DEFAULT_CEILING.some((entry) => entry.id === id)) {
      throw new GovernanceError(GovernanceErrorCode.NotFound, `no default ceiling entry ${id}`);
    }
    await this.writes.write(organizationId, 'all', async (tx) => {
      const current = await this.repository.settings(organizationId, tx);
      const disabled = new Set(current?.disabledCeilingDefaults ?? []);
      if (enabled) disabled.delete(id);
      else disabled.add(id);
      await this.repository.upsertSettings(tx, organizationId, {
        disabledCeilingDefaults: [...disabled].sort(),
      });
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.ceiling.default_changed',
        'ceiling',
        id,
        { enabled },
      );
    });
    return this.settings.settings(organizationId);
  }

  async addCeilingEntry(
    organizationId: string,
    entry: {
      pattern: string;
      scope: 'subtree' | 'root';
      os: OperatingSystem[];
      description: string;
    },
    actor: GovernanceActor,
  ) {
    validatePattern(entry.pattern, entry.os);
    await this.writes.write(organizationId, 'all', async (tx) => {
      const created = await this.repository.createCeilingEntry(tx, organizationId, entry);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.ceiling.added',
        'ceiling',
        created.id,
        {
          pattern: entry.pattern,
          scope: entry.scope,
        },
      );
    });
    return this.settings.settings(organizationId);
  }

  async removeCeilingEntry(organizationId: string, id: string, actor: GovernanceActor) {
    if (!isUuid(id)) {
      throw new GovernanceError(GovernanceErrorCode.NotFound, `no ceiling entry ${id}`);
    }
    await this.writes.write(organizationId, 'all', async (tx) => {
      if (!(await this.repository.deleteCeilingEntry(tx, id))) {
        throw new GovernanceError(GovernanceErrorCode.NotFound, `no ceiling entry ${id}`);
      }
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.ceiling.removed',
        'ceiling',
        id,
        {},
      );
    });
    return this.settings.settings(organizationId);
  }

  // Replaces the hosts that shell commands of users with the `web` capability may reach.
  async setWebAllowedHosts(organizationId: string, hosts: string[], actor: GovernanceActor) {
    const normalised = [...new Set(hosts.map((host) => host.trim().toLowerCase()))].sort();
    const invalid = normalised.filter((host) => !isWebHost(host));
    if (invalid.length) {
      throw new GovernanceError(
        GovernanceErrorCode.Invalid,
        `not a host name or *.domain: ${invalid.join(', ')} (no scheme, port, path or bare *)`,
      );
    }
    await this.writes.write(organizationId, 'all', async (tx) => {
      await this.repository.upsertSettings(tx, organizationId, { webAllowedHosts: normalised });
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.network.changed',
        'settings',
        null,
        {
          webAllowedHosts: normalised,
        },
      );
    });
    return this.settings.settings(organizationId);
  }
}

// A folder pattern the runtime can place on each of its systems.
export function validatePattern(pattern: string, os: OperatingSystem[]): void {
  const systems = os.length ? os : patternSystems(pattern);
  if (!systems.length || systems.some((system) => canonicalPath(pattern, system) === null)) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `${pattern} is not a folder: use ~/…, an absolute path (/…) or a drive path (C:\\…) without ..`,
    );
  }
  if (os.some((system) => !OPERATING_SYSTEMS.includes(system))) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `systems are ${OPERATING_SYSTEMS.join(', ')}`,
    );
  }
}
