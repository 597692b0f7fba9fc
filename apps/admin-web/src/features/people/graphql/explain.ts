import { graphql, type ResultOf } from '../../../lib/graphql';

export const ExplainCapabilityQuery = graphql(`
  query ExplainCapability($userId: ID!, $capability: String!) {
    explainCapability(userId: $userId, capability: $capability) {
      decision
      explanation
      ruleKind
      ruleId
      role {
        id
        name
      }
      group {
        id
        name
      }
    }
  }
`);
export const ExplainToolQuery = graphql(`
  query ExplainTool($userId: ID!, $connector: String!, $tool: String!) {
    explainTool(userId: $userId, connector: $connector, tool: $tool) {
      decision
      explanation
      ruleKind
      ruleId
      toolKind
      role {
        id
        name
      }
      group {
        id
        name
      }
    }
  }
`);
export const ExplainPathQuery = graphql(`
  query ExplainPath($userId: ID!, $path: String!, $access: FileAccess!, $os: OperatingSystem!) {
    explainPath(userId: $userId, path: $path, access: $access, os: $os) {
      decision
      explanation
      ruleKind
      ruleId
      role {
        id
        name
      }
      group {
        id
        name
      }
    }
  }
`);

export type PolicyExplanation = ResultOf<typeof ExplainCapabilityQuery>['explainCapability'];
