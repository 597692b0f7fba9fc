// A directory or governance change that must reach endpoints: the users whose effective policy may
// have changed ('all': everyone in the organization) and the groups whose current members are
// affected too.
export interface PropagationChange {
  organizationId: string;
  userIds: string[] | 'all';
  groupIds: string[];
  reason: string;
}

export interface PendingChange extends PropagationChange {
  id: string;
  attempts: number;
}

// Announced (best effort) after a change commits, so a dispatcher delivers it without waiting for
// its next database poll. The message carries the organization only; the outbox holds the rest.
export const PROPAGATION_PENDING_CHANNEL = 'propagation.pending';

export interface PropagationPending {
  organizationId: string;
}
