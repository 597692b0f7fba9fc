import { graphql, type ResultOf } from '../../../lib/graphql';

export const EndpointsQuery = graphql(`
  query Endpoints($userId: ID) {
    endpoints(userId: $userId, includeRevoked: true) {
      id
      userId
      deviceName
      os
      runtimeVersion
      bundleVersion
      enrolledAt
      lastSeenAt
      reportedAt
      reportedVersion
      reportedVerified
      reportedReason
      reportedErrors {
        code
        message
      }
      revokedAt
      governedAgents {
        agent
        version
        access
        bundleVersion
        reason
        appliedAt
      }
    }
  }
`);
export const RevokeEndpointMutation = graphql(`
  mutation RevokeEndpoint($id: ID!) {
    revokeEndpoint(id: $id) {
      id
    }
  }
`);
export const BundlePublishesQuery = graphql(`
  query BundlePublishes {
    bundlePublishes(first: 50) {
      id
      reason
      subjectCount
      createdAt
    }
  }
`);
export const BundleRolloutQuery = graphql(`
  query BundleRollout($publishId: ID!) {
    bundleRollout(publishId: $publishId) {
      total
      current
      behind
      failed {
        endpointId
        deviceName
        userId
        version
        reportedReason
      }
      publish {
        id
        reason
        createdAt
      }
    }
  }
`);

export type EndpointView = ResultOf<typeof EndpointsQuery>['endpoints'][number];
export type BundlePublish = ResultOf<typeof BundlePublishesQuery>['bundlePublishes'][number];
export type BundleRollout = ResultOf<typeof BundleRolloutQuery>['bundleRollout'];
