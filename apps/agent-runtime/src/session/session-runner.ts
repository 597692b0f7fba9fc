import fs from 'node:fs';
import path from 'node:path';
import Decimal from 'decimal.js';
import {
  canonicalPath,
  describeRule,
  isWithin,
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
import { accountHome } from './account-home';
import type { Approver } from './approver';
import { EventRecorder, type EventOutput } from './event-recorder';
import type { AgentModel, ModelUsage, StepResult } from './model';
import { sessionPathDecider } from './path-decisions';
import { SessionFolders, STATE_DIR_RULE, type Confinement } from './session-folders';
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
  startShell?: (
    grants: FolderGrant[],
    hosts: string[],
    confinement: Confinement,
  ) => Promise<SandboxShell>;
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
  return { os: enrolment.os, home: accountHome() };
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
  return new Session(request, env, bundle, engine).run();
}

// One session's run: its events, its cost and the tools it started.
class Session {
  private readonly id = newEventId();
  private readonly recorder: EventRecorder;
  private readonly context: PathContext;
  private readonly costs: string[] = [];

  constructor(
    private readonly request: SessionRequest,
    private readonly env: SessionEnvironment,
    private readonly bundle: VerifiedBundle,
    private readonly engine: PolicyEngine,
  ) {
    this.recorder = new EventRecorder(
      {
        organizationId: env.enrolment.organizationId,
        userId: env.enrolment.userId,
        endpointId: env.enrolment.endpointId,
        sessionId: this.id,
      },
      env.sink,
      // The organization id keys the hash so equal values stay linkable within it.
      { rules: bundle.telemetry.redaction, key: bundle.org },
      env.json,
    );
    this.context = pathContextOf(env.enrolment);
  }

  async run(): Promise<SessionOutcome> {
    const { request } = this;
    this.recorder.record({
      type: 'session.started',
      task: request.task,
      folders: request.grants.map((grant) => ({ path: grant.root, access: grant.access })),
      model: request.model.name,
      bundleVersion: this.bundle.version,
    });
    const refusal = this.refusedGrant() ?? this.refusedAutoApproval();
    if (refusal) return this.refused(refusal);
    const decide = sessionPathDecider(this.engine, this.context);
    const stateDir = this.env.stateDir ? realOrSelf(this.env.stateDir) : null;
    const folders = new SessionFolders(request.grants, this.engine, this.context, decide, stateDir);
    folders.createMissing();
    const granted = GrantedFolders.open(request.grants);
    const files = new FileTools(granted, decide, (absolute) => folders.protectedWithin(absolute));
    const connectors = this.engine.capability('connectors').allowed
      ? new McpConnectors(this.bundle.policy.connectors, { folders, home: this.context.home })
      : null;
    let shell: SandboxShell | null = null;
    let runner: ToolRunner | null = null;
    try {
      if (this.engine.capability('shell').allowed) {
        // Commands reach only the hosts the bundle names (none without the web capability).
        shell = await (this.env.startShell ?? SandboxShell.start)(
          request.grants,
          this.bundle.policy.network.hosts,
          folders.confinement(),
        );
      }
      runner = new ToolRunner({
        engine: this.engine,
        pathContext: this.context,
        files,
        shell,
        connectors,
        approver: this.env.approver,
        recorder: this.recorder,
      });
      return await this.planAndLoop(runner);
    } catch (error) {
      if (error instanceof SessionRefused) throw error;
      return this.ended('failed', runner?.toolCalls ?? 0, { reason: (error as Error).message });
    } finally {
      granted.close();
      await connectors?.close();
      await shell?.stop();
    }
  }

  // A grant the bundle or the runtime does not allow, recorded as a violation; null when all pass.
  private refusedGrant(): string | null {
    const stateDir = this.env.stateDir ? realOrSelf(this.env.stateDir) : null;
    for (const grant of this.request.grants) {
      // The runtime's own state (trust chain, bundle, credential, spool) is never reachable by the
      // agent, whatever the folder rules say. Compared whole segment by segment on canonical
      // paths, so a folder named `..steward-state` inside a grant is inside it.
      if (stateDir && overlaps(stateDir, grant.root, this.context.os)) {
        this.violation(
          grant.root,
          STATE_DIR_RULE,
          'the grant overlaps the runtime state directory',
        );
        return `${grant.root} overlaps the Steward runtime's own state and may not be granted`;
      }
      const decided = this.engine.path(grant.root, grant.access, this.context);
      if (decided.decision === 'deny') {
        this.violation(grant.root, decided.rule.id, `${grant.access} grant`);
        return `${grant.root} may not be granted for ${grant.access}: ${describeRule(decided.rule)}`;
      }
    }
    return null;
  }

  private refusedAutoApproval(): string | null {
    const planApproval = this.engine.planApproval();
    return this.request.approve === 'auto' && planApproval.mode !== 'auto'
      ? `auto-approval is not allowed: ${describeRule(planApproval.rule)}`
      : null;
  }

  private violation(target: string, rule: string, detail: string): void {
    this.recorder.record({ type: 'policy.violation', kind: 'folder_grant', target, rule, detail });
  }

  private refused(reason: string): SessionOutcome {
    this.env.log(`refused: ${reason}`);
    return this.ended('refused', 0, { reason });
  }

  private async planAndLoop(runner: ToolRunner): Promise<SessionOutcome> {
    const { model } = this.request;
    const plan = await model.plan(this.request.task, runner.offered());
    this.usage(plan.usage);
    this.env.log(`Plan:\n${plan.value}`);
    const notApproved = await this.approve(plan.value);
    if (notApproved) return this.refused(notApproved);
    let previous: StepResult | undefined;
    for (let step = 1; step <= MAX_STEPS; step += 1) {
      const reply = await model.next(previous);
      this.usage(reply.usage);
      if (reply.value.kind === 'final') {
        this.recorder.note({ type: 'step.result', step, final: reply.value.text });
        return this.ended('completed', runner.toolCalls, { final: reply.value.text });
      }
      const { callId, tool, input } = reply.value;
      previous = await runner.run(callId, tool, input);
      this.recorder.note({
        type: 'step.result',
        step,
        tool,
        ok: previous.ok,
        result: previous.content.slice(0, 64 * 1024),
      });
    }
    return this.ended('failed', runner.toolCalls, { reason: `stopped after ${MAX_STEPS} steps` });
  }

  // Null once the plan is approved (automatically where allowed, else by the person); else why not.
  private async approve(plan: string): Promise<string | null> {
    const { approver } = this.env;
    if (this.request.approve === 'auto') {
      const approvedBy = this.engine.planApproval().rule.id;
      this.recorder.record({ type: 'plan.approved', source: 'auto', approvedBy, plan });
      return null;
    }
    const approved = approver.attended && (await approver.confirm('Approve this plan?'));
    if (!approved) {
      return approver.attended
        ? 'the plan was not approved'
        : 'no one can approve the plan (no terminal); use --approve auto where allowed';
    }
    const approvedBy = this.env.enrolment.userId;
    this.recorder.record({ type: 'plan.approved', source: 'manual', approvedBy, plan });
    return null;
  }

  private usage(usage: ModelUsage | undefined): void {
    if (!usage) return;
    this.costs.push(usage.costUsd);
    this.recorder.record({ type: 'model.requested', ...usage });
  }

  private ended(
    outcome: SessionOutcome['outcome'],
    toolCalls: number,
    extra: { reason?: string; final?: string } = {},
  ): SessionOutcome {
    const costUsd = sumUsd(this.costs);
    this.recorder.record({
      type: 'session.ended',
      outcome,
      ...(extra.reason ? { reason: extra.reason } : {}),
      toolCalls,
      costUsd,
    });
    return { sessionId: this.id, outcome, toolCalls, costUsd, ...extra };
  }
}

function realOrSelf(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function overlaps(a: string, b: string, os: PathContext['os']): boolean {
  const first = canonicalPath(a, os);
  const second = canonicalPath(b, os);
  return first !== null && second !== null && (isWithin(first, second) || isWithin(second, first));
}

function sumUsd(amounts: string[]): string {
  return amounts.reduce((sum, amount) => sum.plus(amount), new Decimal(0)).toFixed();
}
