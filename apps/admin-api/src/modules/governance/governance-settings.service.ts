import { Injectable } from '@nestjs/common';
import { DEFAULT_CEILING, patternSystems } from '@steward/policy';
import type { OperatingSystem, SpendSettings } from '@steward/policy';
import { DEFAULT_ENDPOINT_SPEND, validateEndpointSpend } from './endpoint-spend';
import { GovernanceRepository } from './governance.repository';
import type { EndpointSpendWrite, GovernanceActor } from './governance.types';
import { GovernanceWrites } from './governance-writes';

// The organization's governance settings: the folder ceiling and web hosts as the console shows
// them (written by FoldersService), whether plans may be auto-approved, and the endpoint spend
// settings signed into every bundle (read by the spend module for its lease ceiling). Each change
// reaches every user.
@Injectable()
export class GovernanceSettingsService {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly writes: GovernanceWrites,
  ) {}

  async settings(organizationId: string) {
    const [settings, extra] = await Promise.all([
      this.repository.settings(organizationId),
      this.repository.ceilingEntries(organizationId),
    ]);
    const disabled = new Set(settings?.disabledCeilingDefaults ?? []);
    return {
      autoApprovePlansAllowed: settings?.autoApprovePlansAllowed ?? false,
      webAllowedHosts: settings?.webAllowedHosts ?? [],
      ceiling: [
        ...DEFAULT_CEILING.map((entry) => ({
          id: entry.id,
          pattern: entry.pattern,
          scope: entry.scope,
          os: entry.os ?? patternSystems(entry.pattern),
          description: entry.description ?? '',
          builtIn: true,
          enabled: !disabled.has(entry.id),
        })),
        ...extra.map((entry) => ({
          id: entry.id,
          pattern: entry.pattern,
          scope: entry.scope,
          os: entry.os.length ? (entry.os as OperatingSystem[]) : patternSystems(entry.pattern),
          description: entry.description,
          builtIn: false,
          enabled: true,
        })),
      ],
    };
  }

  async setAutoApprovePlansAllowed(
    organizationId: string,
    allowed: boolean,
    actor: GovernanceActor,
  ) {
    await this.writes.write(organizationId, 'all', async (tx) => {
      await this.repository.upsertSettings(tx, organizationId, {
        autoApprovePlansAllowed: allowed,
      });
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.approvals.changed',
        'settings',
        null,
        {
          autoApprovePlansAllowed: allowed,
        },
      );
    });
    return this.settings(organizationId);
  }

  async endpointSpend(organizationId: string): Promise<EndpointSpendWrite> {
    const settings = await this.repository.settings(organizationId);
    if (!settings) return DEFAULT_ENDPOINT_SPEND;
    return {
      leaseRequired: settings.leaseRequired,
      maxLeaseUsd: settings.maxLeaseUsd.toFixed(),
      offlineAllowanceUsd: settings.offlineAllowanceUsd.toFixed(),
    };
  }

  // The bundle's form (libs/policy SpendSettings): amounts as JSON numbers, exact for amounts
  // within the bounds setEndpointSpend enforces (at most 10 significant digits).
  async spendSettings(organizationId: string): Promise<SpendSettings> {
    const spend = await this.endpointSpend(organizationId);
    return {
      leaseRequired: spend.leaseRequired,
      maxLeaseUsd: Number(spend.maxLeaseUsd),
      offlineAllowanceUsd: Number(spend.offlineAllowanceUsd),
    };
  }

  async setEndpointSpend(
    organizationId: string,
    input: EndpointSpendWrite,
    actor: GovernanceActor,
  ): Promise<EndpointSpendWrite> {
    const next = validateEndpointSpend(input);
    await this.writes.write(organizationId, 'all', async (tx) => {
      const current = await this.repository.settings(organizationId, tx);
      await this.repository.upsertSettings(tx, organizationId, next);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.endpoint_spend.changed',
        'settings',
        null,
        {
          before: current
            ? {
                leaseRequired: current.leaseRequired,
                maxLeaseUsd: current.maxLeaseUsd.toFixed(),
                offlineAllowanceUsd: current.offlineAllowanceUsd.toFixed(),
              }
            : { ...DEFAULT_ENDPOINT_SPEND },
          after: { ...next },
        },
      );
    });
    return this.endpointSpend(organizationId);
  }
}
