import path from 'node:path';
import fc from 'fast-check';
import { PolicyEngine, compilePolicy, type FolderRootSource } from '@steward/policy';
import type { FolderGrant } from '../tools/files/granted-folders';
import { sessionPathDecider } from './path-decisions';

const HOME = '/home/alice';
const context = { os: 'linux' as const, home: HOME };
const WORK = `${HOME}/work`;

// `forbidden`: subtree ceiling locations; `forbiddenItself`: locations forbidden as folders only.
function engine(
  folderRoots: FolderRootSource[],
  forbidden: string[] = [],
  forbiddenItself: string[] = [],
): PolicyEngine {
  return new PolicyEngine(
    compilePolicy({
      user: { id: 'u', active: true },
      grants: [
        {
          role: {
            id: 'r',
            name: 'Writers',
            capabilities: ['agent'],
            connectorRules: [],
            folderRoots,
          },
          via: { kind: 'user' },
        },
      ],
      connectors: [],
      ceiling: {
        extra: [
          ...forbidden.map((pattern, i) => ({ id: `x${i}`, pattern, scope: 'subtree' as const })),
          ...forbiddenItself.map((pattern, i) => ({
            id: `r${i}`,
            pattern,
            scope: 'root' as const,
          })),
        ],
      },
    }),
  );
}

const segment = fc.constantFrom('a', 'B', '.', '..', '', 'secret', 'Secret', 'ro', '.env', 'é');
const relative = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
const policies = fc.constantFrom(
  engine([{ pattern: '~/work', access: 'read_write' }]),
  engine([{ pattern: '~/work', access: 'read' }]),
  engine([{ pattern: '~/work', access: 'read_write' }], ['~/work/secret']),
  engine(
    [
      { pattern: '~/work', access: 'read_write' },
      { pattern: '~/work/ro', access: 'read' },
      { pattern: '/', access: 'read' },
    ],
    ['~/work/a/secret'],
  ),
  engine([{ pattern: '~/work/a', access: 'read_write' }]),
  engine([{ pattern: '~/work', access: 'read_write' }], [], ['~/work/a']),
  engine([]),
);

describe("a session's path decisions", () => {
  it('equal the engine deciding each absolute path, for any path a grant resolves', () => {
    fc.assert(
      fc.property(
        policies,
        // macOS folds case: `Secret` below a rule for `~/work/secret` is the same folder.
        fc.constantFrom(context, { os: 'macos' as const, home: '/Users/Alice' }),
        fc.constantFrom('work', 'Work/a', '', 'work/ro'),
        fc.array(fc.tuple(relative, fc.constantFrom('read' as const, 'write' as const)), {
          minLength: 1,
          maxLength: 8,
        }),
        (policy, system, folder, requests) => {
          const root = path.join(system.home, folder);
          const grant: FolderGrant = { root, access: 'write' };
          const decide = sessionPathDecider(policy, system);
          for (const [rel, access] of requests) {
            const absolute = path.join(root, rel);
            const expected = policy.path(absolute, access, system);
            expect([rel, access, decide({ grant, relative: rel, absolute }, access)]).toEqual([
              rel,
              access,
              { decision: expected.decision, rule: expected.rule.id },
            ]);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('decides plain paths below a granted folder from their relative part', () => {
    const grant: FolderGrant = { root: WORK, access: 'write' };
    const guarded = engine([{ pattern: '~/work', access: 'read_write' }], ['~/work/secret']);
    const scope = guarded.folderScope(WORK, context)!;
    expect(scope.decide('notes.md', 'write')).toMatchObject({ decision: 'allow' });
    expect(scope.decide('secret/key.pem', 'read')).toMatchObject({ decision: 'deny' });
    // Not plain: decided by the absolute path instead.
    expect(scope.decide('a/../secret/key.pem', 'read')).toBeNull();
    const decide = sessionPathDecider(guarded, context);
    const at = (relative: string) => ({ grant, relative, absolute: path.join(WORK, relative) });
    expect(decide(at('notes.md'), 'read').decision).toBe('allow');
    expect(decide(at('secret/key.pem'), 'read')).toEqual({
      decision: 'deny',
      rule: 'ceiling:x0',
    });
    expect(decide(at('a/../secret/key.pem'), 'read').decision).toBe('deny');
  });
});
