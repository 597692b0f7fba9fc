import type { ControlPlaneClient } from '../../control-plane/control-plane-client';
import type { Enrolment, StateStore } from '../../control-plane/state-store';
import { HOOK_PATH } from './hook-server';
import { applyClaudeCode, lastClaudeCodeWrite, type ClaudeCodeRecord } from './managed-writer';

// Before `steward-agent sync` has ever run there is no hook to point at: this address answers
// nothing, so Claude Code's blocking hooks refuse every tool call until sync runs.
const NO_HOOK_YET = `http://127.0.0.1:9${HOOK_PATH}`;

// Claude Code's managed files brought in line with the bundle in force, and the control plane
// told what was applied when that changed. A control plane that cannot be told now hears it with
// the next change or the next start of sync.
export async function governClaudeCode(
  store: StateStore,
  enrolment: Enrolment,
  client: ControlPlaneClient,
  hookUrl?: string,
): Promise<ClaudeCodeRecord> {
  const previous = lastClaudeCodeWrite(store);
  const record = applyClaudeCode(store, enrolment, hookUrl ?? previous?.hookUrl ?? NO_HOOK_YET);
  if (record.writtenAt !== previous?.writtenAt || hookUrl) {
    await client.reportAgents([record]).catch(() => undefined);
  }
  return record;
}
