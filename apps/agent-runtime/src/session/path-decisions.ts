import type { FolderScope, PathContext, PathDecision, PolicyEngine } from '@steward/policy';
import type { FolderGrant } from '../tools/files/granted-folders';
import type { PathDecider } from '../tools/files/file-tools';

const MAX_CACHED = 50_000;

type Decided = ReturnType<PathDecider>;

/**
 * Folder-rule decisions for one session. A session's bundle never changes under it, so:
 * - each granted folder gets the engine's precompiled scope once: a path below it in plain form
 *   (what tools are usually given) is then decided from its relative part alone, without building,
 *   normalising or matching its absolute path;
 * - any other path's decision is remembered by absolute path, as file tools touch the same paths
 *   again and again. That cache is emptied when it grows past its bound.
 */
export function sessionPathDecider(engine: PolicyEngine, context: PathContext): PathDecider {
  const scopes = new Map<FolderGrant, FolderScope | null>();
  // One answer object per rule and decision, shared by every path that rule decides.
  const answers = {
    allow: new Map<PathDecision['rule'], Decided>(),
    deny: new Map<PathDecision['rule'], Decided>(),
  };
  const answer = (result: PathDecision): Decided => {
    const byRule = answers[result.decision];
    let decided = byRule.get(result.rule);
    if (!decided)
      byRule.set(result.rule, (decided = { decision: result.decision, rule: result.rule.id }));
    return decided;
  };
  const read = new Map<string, Decided>();
  const write = new Map<string, Decided>();
  return (target, access) => {
    let scope = scopes.get(target.grant);
    if (scope === undefined) {
      scope = engine.folderScope(target.grant.root, context);
      scopes.set(target.grant, scope);
    }
    const below = scope?.decide(target.relative, access);
    if (below) return answer(below);
    const cache = access === 'read' ? read : write;
    let decided = cache.get(target.absolute);
    if (!decided) {
      decided = answer(engine.path(target.absolute, access, context));
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(target.absolute, decided);
    }
    return decided;
  };
}
