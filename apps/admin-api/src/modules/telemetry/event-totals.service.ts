import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { EventsRepository } from './events.repository';

// What the analytics rollups read of the stored events: each user's totals of a day.
@Injectable()
export class EventTotalsService {
  constructor(private readonly events: EventsRepository) {}

  // JSON text of [{userId, sessions, toolCalls, …, costUsd, toolCallsByConnector,
  // toolCallsByDecision}], in the caller's transaction.
  userDayTotals(
    tx: Prisma.TransactionClient,
    organizationId: string,
    day: string,
  ): Promise<string> {
    return this.events.userDayTotals(tx, organizationId, day);
  }
}
