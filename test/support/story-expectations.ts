import type { StoryResult } from './story';

// What the shared story must show wherever it is played: on the embedded default (`npm run demo`,
// test/demo.e2e-spec.ts) and on the production shape (test/production-shape.e2e-spec.ts).
export function expectStoryOutcome(result: StoryResult): void {
  // The session the endpoint ran was governed by the bundle it pulled.
  expect(
    result.toolCalls.map((call) => [call.mcpTool ?? call.tool, call.decision, call.outcome]),
  ).toEqual([
    ['read_file', 'allow', 'ok'],
    ['search_deals', 'allow', 'ok'],
    ['write_file', 'allow', 'ok'],
    ['write_file', 'deny', 'refused'],
    ['update_deal', 'deny', 'refused'],
  ]);
  // Spend leases against the budget the admin set, never past the hard limit: $5 − $0.1234
  // settled leaves room for exactly 12 leases of $0.40 (4.80) out of 20 concurrent requests.
  expect(result.spend).toMatchObject({
    amountUsd: '0.4',
    costUsd: '0.1234',
    remainingUsd: '4.6',
    race: { granted: 12, refused: 8, leasedUsd: '4.80' },
  });
  // Rolled up for the Analytics API, and the audit chain intact.
  expect(result.analytics).toMatchObject({
    sessions: 1,
    toolCalls: 5,
    toolCallsByDecision: { allow: 3, deny: 2 },
  });
  expect(result.audit.ok).toBe(true);
  expect(result.audit.checked).toBeGreaterThan(10);
  // SCIM's deactivation reached the long-polling endpoint as a revoked bundle.
  expect(result.revocation.bundleVersion).toBeGreaterThan(result.bundleVersionBefore);
  expect(result.revocation.refusal).toMatch(/access-revoked/);
}
