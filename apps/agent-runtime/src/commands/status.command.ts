import { Command } from 'commander';
import { lastClaudeCodeWrite } from '../agents/claude-code/managed-writer';
import { BundleManager, type BundleState } from '../control-plane/bundle-manager';
import { EventSpool } from '../control-plane/event-spool';
import type { Enrolment, StateStore } from '../control-plane/state-store';
import { openat2Available } from '../tools/files/openat2';
import { sandboxHealth } from '../tools/shell/sandbox-shell';
import { enrolled, print, storeOf } from './command-context';

function trustedKeys(bundles: BundleManager) {
  try {
    const trustSet = bundles.trustSet();
    return {
      version: trustSet.version as number | null,
      keys: trustSet.keys.map(({ keyId, status, notAfter }) => ({ keyId, status, notAfter })),
    };
  } catch {
    // A stored set that does not verify is shown as no trusted keys.
    return { version: null, keys: [] };
  }
}

function bundleReport(state: BundleState) {
  return state.usable
    ? {
        usable: true,
        version: state.bundle.version,
        verified: true,
        issuedAt: state.bundle.issuedAt,
        expiresAt: state.bundle.expiresAt,
        keyId: state.bundle.keyId,
      }
    : { usable: false, verified: false, reason: state.reason, detail: state.detail };
}

function statusReport(store: StateStore, enrolment: Enrolment) {
  const bundles = new BundleManager(store, enrolment);
  const state = bundles.current();
  return {
    state,
    report: {
      stateDir: store.dir,
      server: enrolment.server,
      organizationId: enrolment.organizationId,
      userId: enrolment.userId,
      endpointId: enrolment.endpointId,
      bundle: bundleReport(state),
      lastPull: store.lastPull(),
      trustSet: trustedKeys(bundles),
      sandbox: { shell: sandboxHealth(), fileGuard: { openat2: openat2Available() } },
      events: new EventSpool(store.spoolDir()).stats(),
      governedAgents: [lastClaudeCodeWrite(store)].filter((record) => record !== null),
    },
  };
}

export function statusCommand(): Command {
  return new Command('status')
    .description('bundle version, verification, expiry, trusted keys and sandbox health')
    .option('--json', 'one JSON object')
    .action((options, command: Command) => {
      const store = storeOf(command);
      const { state, report } = statusReport(store, enrolled(store));
      if (options.json) return print(JSON.stringify(report));
      const { trustSet, sandbox, events, governedAgents } = report;
      print(
        `endpoint ${report.endpointId} of organization ${report.organizationId} (${report.server})`,
      );
      print(
        state.usable
          ? `bundle: version ${state.bundle.version}, verified, expires ${state.bundle.expiresAt}`
          : `bundle: NONE USABLE — ${state.reason}: ${state.detail} (sessions are refused)`,
      );
      print(
        `trusted keys (set v${trustSet.version ?? '-'}): ${trustSet.keys.map((k) => `${k.keyId} ${k.status}`).join(', ') || 'none'}`,
      );
      print(
        `sandbox: shell ${sandbox.shell.available ? 'ok' : `unavailable (${sandbox.shell.problems.join('; ')})`}, ` +
          `file guard ${sandbox.fileGuard.openat2 ? 'openat2 ok' : 'unavailable'}`,
      );
      print(
        `events: ${events.pending} pending, ${events.sent} sent, ${events.rejected} rejected, ${events.dropped} dropped` +
          (events.lastError ? ` (last error: ${events.lastError})` : ''),
      );
      for (const agent of governedAgents) {
        const what =
          agent.access === 'policy'
            ? `bundle version ${agent.bundleVersion}'s rules`
            : `deny-all (${agent.reason})`;
        print(
          `governs ${agent.agent}: ${what} written to ${agent.managedDir} at ${agent.writtenAt}; ` +
            `hooks at ${agent.hookUrl}`,
        );
      }
      if (governedAgents.length === 0) print('governs claude-code: nothing written yet');
    });
}
