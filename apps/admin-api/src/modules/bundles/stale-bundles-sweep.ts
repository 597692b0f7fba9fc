import { Inject, Injectable, Logger } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service';
import { BundlesRepository } from './bundles.repository';
import type { PublishedState } from './bundles.repository';
import { BundlesService, POLICY_SOURCE } from './bundles.service';
import type { PolicySource } from './bundles.service';

export const STALE_REASON = 'bundle.stale';

// A process's first sweep looks this far back for changed inputs.
const FIRST_LOOKBACK_MS = 3_600_000;
// Inputs written this long before the previous sweep began are looked at again: a transaction
// that stamped its rows then may have committed after that sweep read them.
const COMMIT_MARGIN_MS = 120_000;

// The catch-up behind the propagation outbox: republishes every subject whose bundle is older than
// its inputs. A bundle that grants access to a person who is deleted or inactive (or revokes it from
// one who is active) is always stale; otherwise a subject is stale when their directory record
// (memberships included) or the organization's governance was written after their bundle was
// signed, and since the last sweep (a write that changed nothing signs no new bundle, so without
// that bound it would be looked at forever). Publishing is idempotent: a subject whose bundle would
// not change gets no new version.
@Injectable()
export class StaleBundlesSweep {
  private readonly logger = new Logger('Bundles');
  private lastStart: number | null = null;

  constructor(
    private readonly repository: BundlesRepository,
    private readonly bundles: BundlesService,
    private readonly directory: DirectoryService,
    @Inject(POLICY_SOURCE) private readonly policies: PolicySource,
  ) {}

  async run(): Promise<{ stale: number; published: number }> {
    const start = Date.now();
    const since = new Date(
      this.lastStart === null ? start - FIRST_LOOKBACK_MS : this.lastStart - COMMIT_MARGIN_MS,
    );
    let stale = 0;
    let published = 0;
    let failed = 0;
    // One organization that cannot be swept (its signing key unreadable, say) never stops the
    // others; while any fails, the next sweep looks back as far as this one did.
    for (const organizationId of await this.repository.organizationsWithBundles()) {
      try {
        const endpointIds = await this.staleSubjects(organizationId, since);
        if (!endpointIds.length) continue;
        stale += endpointIds.length;
        published += (
          await this.bundles.publishForEndpoints(organizationId, endpointIds, STALE_REASON)
        ).published;
      } catch (error) {
        failed += 1;
        this.logger.error(`organization ${organizationId} not swept: ${String(error)}`);
      }
    }
    if (!failed) this.lastStart = start;
    return { stale, published };
  }

  private async staleSubjects(organizationId: string, since: Date): Promise<string[]> {
    const subjects = await this.repository.newestPerSubject(organizationId);
    if (!subjects.length) return [];
    const users = await this.directory.userStates(organizationId, [
      ...new Set(subjects.map((subject) => subject.userId)),
    ]);
    const governanceAt = await this.policies.inputsChangedAt(organizationId);
    const isStale = (subject: PublishedState) => {
      const user = users.get(subject.userId);
      if ((subject.access === 'granted') !== (user?.active === true)) return true;
      return [user?.updatedAt, governanceAt].some(
        (at) => at && at > subject.issuedAt && at >= since,
      );
    };
    return subjects.filter(isStale).map((subject) => subject.endpointId);
  }
}
