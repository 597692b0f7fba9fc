import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { EndpointSubjectsRepository } from './endpoint-subjects.repository';
import type { EndpointBundleReport, EndpointSubject } from './endpoint-subjects.repository';

export type { EndpointBundleReport, EndpointSubject };

// The endpoints as subjects of signed bundles, for the bundles module (EndpointSubjectsModule).
@Injectable()
export class EndpointSubjectsService {
  constructor(private readonly subjects: EndpointSubjectsRepository) {}

  ofUsers(organizationId: string, userIds: string[] | 'all'): Promise<EndpointSubject[]> {
    return this.subjects.ofUsers(organizationId, userIds);
  }

  ofEndpoints(organizationId: string, endpointIds: string[]): Promise<EndpointSubject[]> {
    return this.subjects.ofEndpoints(organizationId, endpointIds);
  }

  // Takes the caller's transaction: the versions commit with the bundles signed for them.
  nextBundleVersions(
    tx: Prisma.TransactionClient,
    organizationId: string,
    endpointIds: string[],
  ): Promise<Map<string, number>> {
    return this.subjects.nextBundleVersions(tx, organizationId, endpointIds);
  }

  bundleReports(organizationId: string, endpointIds: string[]): Promise<EndpointBundleReport[]> {
    return this.subjects.bundleReports(organizationId, endpointIds);
  }
}
