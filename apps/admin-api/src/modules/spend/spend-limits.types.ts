import type { Prisma } from '../../generated/prisma/client';
import type { Subject } from '../governance/governance.types';

// A spend limit as an admin writes it.
export interface SpendLimitWrite {
  subjectType: Subject;
  subjectId: string;
  // Exact decimal USD, e.g. "250.00".
  amountUsd: string;
  period: 'day' | 'week' | 'month';
  enforcement: 'hard' | 'soft';
  alertThresholds: number[];
}

// A limit that applies to a user (their own or a group's), with the time zone its periods run in.
export interface SpendLimitForUser {
  id: string;
  subjectType: Subject;
  subjectId: string;
  amountUsd: Prisma.Decimal;
  period: 'day' | 'week' | 'month';
  enforcement: 'hard' | 'soft';
  alertThresholds: number[];
  // The organization's time zone, in which periods start.
  timeZone: string;
}
