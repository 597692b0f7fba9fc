import { Injectable } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service';
import { EventTotalsService } from '../telemetry/event-totals.service';
import { RollupsRepository, RollupTx } from './rollups.repository';
import { isUuid } from '../../platform/database/uuid';

// Daily rollups: each user's day from telemetry's event totals, each group's from its members'
// (the directory's membership at rollup time), the organization's from its users'.
@Injectable()
export class RollupsService {
  constructor(
    private readonly rollups: RollupsRepository,
    private readonly events: EventTotalsService,
    private readonly directory: DirectoryService,
  ) {}

  // Drains up to `limit` of the days ingest marked pending; returns how many it recomputed.
  rollupPending(limit: number): Promise<number> {
    return this.rollups.transaction(async (tx) => {
      const days = await this.rollups.claimPending(tx, limit);
      for (const { organizationId, day } of days) await this.recompute(tx, organizationId, day);
      return days.length;
    });
  }

  recomputeDay(organizationId: string, day: string): Promise<void> {
    return this.rollups.transaction((tx) => this.recompute(tx, organizationId, day));
  }

  // The literal statement that marks days for the rollup job, for ingest to send with the commit
  // of the events it stores.
  markPendingStatement(organizationId: string, days: string[]): string {
    return this.rollups.markPendingStatement(organizationId, days);
  }

  // The organization's day alone, from the users' rows already in place.
  recomputeOrganizationDay(organizationId: string, day: string): Promise<void> {
    return this.rollups.writeOrganizationDay(organizationId, day);
  }

  private async recompute(tx: RollupTx, organizationId: string, day: string): Promise<void> {
    const totals = await this.events.userDayTotals(tx, organizationId, day);
    await this.rollups.writeUserDay(tx, organizationId, day, totals);
    const userIds = (await this.rollups.usersOfDay(tx, organizationId, day)).filter(isUuid);
    // On the rollup's transaction: the embedded database would wait for it on another connection.
    const groups = await this.directory.groupsOfUsers(organizationId, userIds, tx);
    const members = [...groups].flatMap(([userId, ofUser]) =>
      ofUser.map((group) => ({ userId, groupId: group.id })),
    );
    await this.rollups.writeGroupDay(tx, organizationId, day, members);
    await this.rollups.writeOrganizationDay(organizationId, day, tx);
  }
}
