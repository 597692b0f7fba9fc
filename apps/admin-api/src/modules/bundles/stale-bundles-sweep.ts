import { Inject, Injectable, Logger } from '@nestjs/common';
import { DirectoryService } from '../directory/directory.service';
import { EndpointSubjectsService } from '../endpoints/endpoint-subjects.service';
import { BundlesClock } from './bundles-clock';
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
// How often a sweep reads every subject's newest bundle; the sweeps between read only the
// subjects of people written since the last one (at 100,000 endpoints, a full read a minute
// would be most of the sweep's cost for nothing).
const FULL_SWEEP_EVERY_MS = 3_600_000;

// The catch-up behind the propagation outbox: republishes every subject whose bundle is older than
// its inputs. A bundle that grants access to a person who is deleted or inactive (or revokes it from
// one who is active) is always stale; otherwise a subject is stale when their directory record
// (memberships included) or the organization's governance was written after their bundle was
// signed, and since the last sweep (a write that changed nothing signs no new bundle, so without
// that bound it would be looked at forever). Between full sweeps, an organization whose governance
// is unchanged is checked only for the people written since the last sweep; a deletion leaves no
// record to find that way, so a lost one waits for the next full sweep (the outbox delivers it
// first). Publishing is idempotent: a subject whose bundle would not change gets no new version.
@Injectable()
export class StaleBundlesSweep {
  private readonly logger = new Logger('Bundles');
  private lastStart: number | null = null;
  private lastFull: number | null = null;

  constructor(
    private readonly repository: BundlesRepository,
    private readonly bundles: BundlesService,
    private readonly directory: DirectoryService,
    private readonly endpoints: EndpointSubjectsService,
    private readonly clock: BundlesClock,
    @Inject(POLICY_SOURCE) private readonly policies: PolicySource,
  ) {}

  async run(): Promise<{ stale: number; published: number; full: boolean }> {
    const start = this.clock.now().getTime();
    const full = this.lastFull === null || start - this.lastFull >= FULL_SWEEP_EVERY_MS;
    const since = new Date(
      this.lastStart === null ? start - FIRST_LOOKBACK_MS : this.lastStart - COMMIT_MARGIN_MS,
    );
    let stale = 0;
    let published = 0;
    let failed = 0;
    // One organization that cannot be swept (its signing key unreadable, say) never stops the
    // others; while any fails, the next sweep looks back as far as this one did, as fully.
    for (const organizationId of await this.repository.organizationsWithBundles()) {
      try {
        const endpointIds = await this.staleSubjects(organizationId, since, full);
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
    if (!failed) {
      this.lastStart = start;
      if (full) this.lastFull = start;
    }
    return { stale, published, full };
  }

  private async staleSubjects(organizationId: string, since: Date, full: boolean) {
    const governanceAt = await this.policies.inputsChangedAt(organizationId);
    const everyone = full || (governanceAt !== null && governanceAt >= since);
    let subjects: PublishedState[];
    if (everyone) {
      subjects = await this.repository.newestPerSubject(organizationId);
    } else {
      const written = await this.directory.usersWrittenSince(organizationId, since);
      if (!written.length) return [];
      const endpointIds = (await this.endpoints.ofUsers(organizationId, written)).map(
        (subject) => subject.endpointId,
      );
      subjects = await this.repository.newestPerSubject(organizationId, endpointIds);
    }
    if (!subjects.length) return [];
    const users = await this.directory.userStates(organizationId, [
      ...new Set(subjects.map((subject) => subject.userId)),
    ]);
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
