import { useQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { queryKeys } from '../../../lib/query-keys';
import { ExplainCapabilityQuery, ExplainPathQuery, ExplainToolQuery } from '../graphql/explain';

export function useExplainCapabilities(userId: string | null, capabilities: readonly string[]) {
  return useQuery({
    queryKey: queryKeys.explain('capabilities', { userId, capabilities }),
    queryFn: () =>
      Promise.all(
        capabilities.map(async (capability) => ({
          capability,
          ...(await request(ExplainCapabilityQuery, { userId: userId ?? '', capability }))
            .explainCapability,
        })),
      ),
    enabled: userId !== null,
  });
}

export interface ToolQuestion {
  userId: string;
  connector: string;
  tool: string;
}

export function useExplainTool(question: ToolQuestion | null) {
  return useQuery({
    queryKey: queryKeys.explain('tool', question),
    queryFn: async () => (await request(ExplainToolQuery, question!)).explainTool,
    enabled: question !== null,
  });
}

export interface PathQuestion {
  userId: string;
  path: string;
  access: 'read' | 'write';
  os: 'macos' | 'windows' | 'linux';
}

export function useExplainPath(question: PathQuestion | null) {
  return useQuery({
    queryKey: queryKeys.explain('path', question),
    queryFn: async () => (await request(ExplainPathQuery, question!)).explainPath,
    enabled: question !== null,
  });
}
