import { Injectable, Logger } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service';
import { EventTotalsService } from '../telemetry/event-totals.service';
import { RollupsRepository, RollupTx } from './rollups.repository';
import { isUuid } from '../../platform/database/uuid';

// Daily rollups: each user's day from telemetry's event totals, each group's from its members'
// (the directory's membership at rollup time), the organization's from its users'.
@Injectable()
export class RollupsService {
  private readonly logger = new Logger('Rollups');

  constructor(
    private readonly rollups: RollupsRepository,
    private readonly events: EventTotalsService,
    private readonly directory: DirectoryService,
  ) {}

  // Drains up to `limit` of the days ingest marked pending; returns how many it recomputed. A day
  // that cannot be recomputed (an event its SQL cannot read, a total its column cannot hold) is
  // undone alone and queued again behind the others: failing the whole claim instead, it would be
  // claimed first again every run and hold back every organization's days.
  rollupPending(limit: number): Promise<number> {
    return this.rollups.transaction(async (tx) => {
      let recomputed = 0;
      for (const { organizationId, day } of await this.rollups.claimPending(tx, limit)) {
        try {
          await this.rollups.undoable(tx, () => this.recompute(tx, organizationId, day));
          recomputed++;
        } catch (error) {
          this.logger.warn(
            `rollup of ${organizationId} ${day} failed, queued again: ${String(error)}`,
          );
          await this.rollups.markPending(tx, organizationId, day);
        }
      }
      return recomputed;
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
