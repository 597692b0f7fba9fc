import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Decimal from 'decimal.js';
import {
  describeRule,
  type PathContext,
  type PolicyEngine,
  type VerifiedBundle,
} from '@steward/policy';
import { newEventId } from '@steward/telemetry';
import type { Enrolment } from '../control-plane/state-store';
import type { EventSink } from '../control-plane/event-spool';
import type { BundleState } from '../control-plane/bundle-manager';
import { FileTools } from '../tools/files/file-tools';
import { GrantedFolders, type FolderGrant } from '../tools/files/granted-folders';
import { McpConnectors } from '../tools/connectors/mcp-connectors';
import { SandboxShell } from '../tools/shell/sandbox-shell';
import type { Approver } from './approver';
import { EventRecorder, type EventOutput } from './event-recorder';
import type { AgentModel, ModelUsage, StepResult } from './model';
import { sessionPathDecider } from './path-decisions';
import { ToolRunner } from './tool-runner';

const MAX_STEPS = 100;

/** The session could not start; the message says why, for the person. */
export class SessionRefused extends Error {}

export interface SessionRequest {
  task: string;
  grants: FolderGrant[];
  approve: 'auto' | 'prompt';
  model: AgentModel;
}

export interface SessionEnvironment {
  enrolment: Enrolment;
  bundle: BundleState;
  sink: EventSink;
  approver: Approver;
  json: EventOutput | null;
  /** Human-readable progress (plan, prompts); stderr in the CLI. */
  log: (line: string) => void;
  /** The runtime's state directory, which no grant may overlap. */
  stateDir?: string;
  startShell?: (grants: FolderGrant[], hosts: string[]) => Promise<SandboxShell>;
}

export interface SessionOutcome {
  sessionId: string;
  outcome: 'completed' | 'failed' | 'refused';
  reason?: string;
  final?: string;
  toolCalls: number;
  costUsd: string;
}

export function pathContextOf(enrolment: Enrolment): PathContext {
  return { os: enrolment.os, home: os.homedir() };
}

function usable(state: BundleState): { bundle: VerifiedBundle; engine: PolicyEngine } {
  if (!state.usable) {
    throw new SessionRefused(
      `no valid policy bundle (${state.reason}: ${state.detail}); sessions are refused until ` +
        'a valid bundle is pulled (steward-agent pull)',
    );
  }
  return state;
}

/** plan → approval → tool loop, with every step decided by the verified bundle. */
export async function runSession(
  request: SessionRequest,
  env: SessionEnvironment,
): Promise<SessionOutcome> {
  const { bundle, engine } = usable(env.bundle);
  const agent = engine.capability('agent');
  if (!agent.allowed)
    throw new SessionRefused(`you may not use the agent: ${describeRule(agent.rule)}`);
  const sessionId = newEventId();
  const recorder = new EventRecorder(
    {
      organizationId: env.enrolment.organizationId,
      userId: env.enrolment.userId,
      endpointId: env.enrolment.endpointId,
      sessionId,
    },
    env.sink,
    // The organization id keys the hash so equal values stay linkable within it.
    { rules: bundle.telemetry.redaction, key: bundle.org },
    env.json,
  );
  const costs: string[] = [];
  const ended = (
    outcome: SessionOutcome['outcome'],
    toolCalls: number,
    extra: { reason?: string; final?: string } = {},
  ): SessionOutcome => {
    const costUsd = sumUsd(costs);
    recorder.record({
      type: 'session.ended',
      outcome,
      ...(extra.reason ? { reason: extra.reason } : {}),
      toolCalls,
      costUsd,
    });
    return { sessionId, outcome, toolCalls, costUsd, ...extra };
  };
  recorder.record({
    type: 'session.started',
    task: request.task,
    folders: request.grants.map((grant) => ({ path: grant.root, access: grant.access })),
    model: request.model.name,
    bundleVersion: bundle.version,
  });

  const context = pathContextOf(env.enrolment);
  for (const grant of request.grants) {
    // The runtime's own state (trust set, bundle, spool) is never reachable by the agent, whatever
    // the folder rules say: write access there would let it plant its own trust set.
    const protectedDir = env.stateDir ? realOrSelf(env.stateDir) : null;
    if (
      protectedDir &&
      (isWithin(protectedDir, grant.root) || isWithin(grant.root, protectedDir))
    ) {
      recorder.record({
        type: 'policy.violation',
        kind: 'folder_grant',
        target: grant.root,
        rule: 'runtime:state_dir',
        detail: 'the grant overlaps the runtime state directory',
      });
      const reason = `${grant.root} overlaps the Steward runtime's own state and may not be granted`;
      env.log(`refused: ${reason}`);
      return ended('refused', 0, { reason });
    }
    const decided = engine.path(grant.root, grant.access, context);
    if (decided.decision === 'deny') {
      recorder.record({
        type: 'policy.violation',
        kind: 'folder_grant',
        target: grant.root,
        rule: decided.rule.id,
        detail: `${grant.access} grant`,
      });
      const reason = `${grant.root} may not be granted for ${grant.access}: ${describeRule(decided.rule)}`;
      env.log(`refused: ${reason}`);
      return ended('refused', 0, { reason });
    }
  }

  const planApproval = engine.planApproval();
  if (request.approve === 'auto' && planApproval.mode !== 'auto') {
    const reason = `auto-approval is not allowed: ${describeRule(planApproval.rule)}`;
    env.log(`refused: ${reason}`);
    return ended('refused', 0, { reason });
  }

  const folders = GrantedFolders.open(request.grants);
  const files = new FileTools(folders, sessionPathDecider(engine, context));
  let shell: SandboxShell | null = null;
  let runner: ToolRunner | null = null;
  const connectors = engine.capability('connectors').allowed
    ? new McpConnectors(bundle.policy.connectors)
    : null;
  try {
    if (engine.capability('shell').allowed) {
      // Commands reach only the hosts the bundle names (none without the web capability).
      shell = await (env.startShell ?? SandboxShell.start)(
        request.grants,
        bundle.policy.network.hosts,
      );
    }
    runner = new ToolRunner({
      engine,
      pathContext: context,
      files,
      shell,
      connectors,
      approver: env.approver,
      recorder,
    });
    const onUsage = (usage: ModelUsage | undefined) => {
      if (!usage) return;
      costs.push(usage.costUsd);
      recorder.record({ type: 'model.requested', ...usage });
    };

    const plan = await request.model.plan(request.task, runner.offered());
    onUsage(plan.usage);
    env.log(`Plan:\n${plan.value}`);
    if (request.approve === 'auto') {
      recorder.record({
        type: 'plan.approved',
        source: 'auto',
        approvedBy: planApproval.rule.id,
        plan: plan.value,
      });
    } else {
      const approved = env.approver.attended && (await env.approver.confirm('Approve this plan?'));
      if (!approved) {
        const reason = env.approver.attended
          ? 'the plan was not approved'
          : 'no one can approve the plan (no terminal); use --approve auto where allowed';
        env.log(`refused: ${reason}`);
        return ended('refused', 0, { reason });
      }
      recorder.record({
        type: 'plan.approved',
        source: 'manual',
        approvedBy: env.enrolment.userId,
        plan: plan.value,
      });
    }

    let previous: StepResult | undefined;
    for (let step = 1; step <= MAX_STEPS; step += 1) {
      const reply = await request.model.next(previous);
      onUsage(reply.usage);
      if (reply.value.kind === 'final') {
        recorder.note({ type: 'step.result', step, final: reply.value.text });
        return ended('completed', runner.toolCalls, { final: reply.value.text });
      }
      const { callId, tool, input } = reply.value;
      previous = await runner.run(callId, tool, input);
      recorder.note({
        type: 'step.result',
        step,
        tool,
        ok: previous.ok,
        result: previous.content.slice(0, 64 * 1024),
      });
    }
    return ended('failed', runner.toolCalls, { reason: `stopped after ${MAX_STEPS} steps` });
  } catch (error) {
    if (error instanceof SessionRefused) throw error;
    return ended('failed', runner?.toolCalls ?? 0, { reason: (error as Error).message });
  } finally {
    folders.close();
    await connectors?.close();
    await shell?.stop();
  }
}

function realOrSelf(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function sumUsd(amounts: string[]): string {
  return amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0)).toFixed();
}
