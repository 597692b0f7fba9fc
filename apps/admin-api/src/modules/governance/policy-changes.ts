import { Inject, Injectable, Logger } from '@nestjs/common';
import { faultOf } from '../../platform/database/faults';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { DirectoryService } from '../directory/directory.service';
import { PropagationService } from '../propagation/propagation.service';
import { GOVERNANCE_CHANGED_CHANNEL } from './governance.types';
import type { GovernanceChanged, Subject } from './governance.types';

// The users whose effective policy a change may alter; 'all' for organization-wide changes.
export type AffectedUsers = string[] | 'all';

type OutboxTx = Parameters<PropagationService['record']>[0];

// The owning module's repository, which opens its organization-scoped transactions.
interface TransactionStore<Tx> {
  transaction<T>(organizationId: string, work: (tx: Tx) => Promise<T>): Promise<T>;
}

// What every write that may change users' policies or budgets does besides writing its own rows
// (governance's and the spend module's spend limits): its propagation record commits in the
// write's transaction (the outbox that carries it to the users' endpoints), and the change is
// announced on `governance.changed` after the commit.
@Injectable()
export class PolicyChanges {
  private readonly logger = new Logger('Governance');

  constructor(
    private readonly directory: DirectoryService,
    private readonly propagation: PropagationService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  // Runs `work` in a transaction of the caller's `store` with the outbox record of `affected`
  // (none: null), then announces the change. A unique violation (a name or a subject's limit taken
  // by another write meanwhile) throws the caller's `conflict()`.
  async commit<T, Tx extends OutboxTx>(
    organizationId: string,
    affected: AffectedUsers | null,
    store: TransactionStore<Tx>,
    work: (tx: Tx) => Promise<T>,
    conflict: () => Error,
  ): Promise<T> {
    let result: T;
    try {
      result = await store.transaction(organizationId, async (tx) => {
        const done = await work(tx);
        if (affected) {
          await this.propagation.record(tx, {
            organizationId,
            userIds: normalised(affected),
            groupIds: [],
            reason: 'governance.changed',
          });
        }
        return done;
      });
    } catch (error) {
      throw faultOf(error) === 'unique' ? conflict() : error;
    }
    if (affected) await this.announce(organizationId, affected);
    return result;
  }

  // The users a binding or limit on this subject reaches. A subject that is not in the organization
  // throws `missing(message)`, or without it (cleaning up after a subject that may be gone) reaches
  // no group member, and a user still names themself.
  async reach(
    organizationId: string,
    type: Subject,
    id: string,
    missing?: (message: string) => Error,
  ): Promise<string[]> {
    if (type === 'user') {
      if (missing && !(await this.directory.findUser(organizationId, id))) {
        throw missing(`no user ${id}`);
      }
      return [id];
    }
    const group = await this.directory.findGroup(organizationId, id, { members: true });
    if (!group && missing) throw missing(`no group ${id}`);
    return group?.memberIds ?? [];
  }

  // After the commit, best effort: wakes the propagation dispatcher and drops other replicas'
  // cached views. Redis being away never turns a committed change into an error answer.
  private async announce(organizationId: string, userIds: AffectedUsers): Promise<void> {
    if (Array.isArray(userIds) && !userIds.length) return;
    this.propagation.announce(organizationId);
    const message: GovernanceChanged = { organizationId, userIds: normalised(userIds) };
    try {
      await this.bus.publish(GOVERNANCE_CHANGED_CHANNEL, JSON.stringify(message));
    } catch (error) {
      this.logger.debug(`governance.changed not sent: ${String(error)}`);
    }
  }
}

function normalised(userIds: AffectedUsers): AffectedUsers {
  return userIds === 'all' ? 'all' : [...new Set(userIds)].sort();
}
