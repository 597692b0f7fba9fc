import fs from 'node:fs';
import path from 'node:path';
import {
  describeRule,
  type Capability,
  type Decision,
  type PathContext,
  type PolicyEngine,
  type RuleRef,
} from '@steward/policy';
import type { BundleState } from '../../control-plane/bundle-manager';

// Claude Code's hooks answered from the bundle in force (docs/governed-agents.md). The adapter
// only translates: a tool call becomes the policy question it amounts to (a path read or written,
// a capability used, an MCP connector's tool called), libs/policy's engine answers it with the rule
// that decided, and the answer goes back in Claude Code's hook format.

export interface HookInput {
  hook_event_name?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
  cwd?: string;
  prompt?: string;
}

export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: Decision;
    permissionDecisionReason: string;
  };
}

export interface PromptOutput {
  decision?: 'block';
  reason?: string;
}

// What a tool call asks of the policy.
type PolicyQuestion =
  | { kind: 'paths'; paths: string[]; access: 'read' | 'write' }
  | { kind: 'capability'; capability: Capability }
  | { kind: 'connector'; connector: string; tool: string }
  | { kind: 'unknown'; tool: string };

const CAPABILITY_OF: Record<string, Capability> = {
  Bash: 'shell',
  BashOutput: 'shell',
  KillShell: 'shell',
  KillBash: 'shell',
  Monitor: 'shell',
  PowerShell: 'shell',
  WebFetch: 'web',
  WebSearch: 'web',
  Skill: 'skills',
  SlashCommand: 'skills',
  CronCreate: 'scheduled_tasks',
  CronDelete: 'scheduled_tasks',
  CronList: 'scheduled_tasks',
  ScheduleWakeup: 'scheduled_tasks',
  // Claude Code's own bookkeeping and sub-agents (whose tool calls come through this hook too).
  Agent: 'agent',
  Task: 'agent',
  ListAgents: 'agent',
  SendMessage: 'agent',
  TaskStop: 'agent',
  TodoWrite: 'agent',
  ToolSearch: 'agent',
  Workflow: 'agent',
  ReportFindings: 'agent',
  ExitPlanMode: 'agent',
  EnterPlanMode: 'agent',
  AskUserQuestion: 'agent',
  EnterWorktree: 'agent',
  ExitWorktree: 'agent',
  DeferredToolPlaceholder: 'agent',
};
const READS: Record<string, string[]> = {
  Read: ['file_path'],
  NotebookRead: ['notebook_path'],
  Glob: ['path'],
  Grep: ['path'],
  LS: ['path'],
};
const WRITES: Record<string, string[]> = {
  Edit: ['file_path'],
  MultiEdit: ['file_path'],
  Write: ['file_path'],
  NotebookEdit: ['notebook_path'],
};

function question(input: HookInput): PolicyQuestion {
  const tool = input.tool_name ?? '';
  const args = input.tool_input ?? {};
  const mcp = /^mcp__(.+?)__(.+)$/.exec(tool);
  if (mcp) return { kind: 'connector', connector: mcp[1]!, tool: mcp[2]! };
  const fields = READS[tool] ?? WRITES[tool];
  if (fields) {
    // A search with no path searches the working folder.
    const given = fields.map((field) => args[field]).filter((v) => typeof v === 'string');
    const paths = (given.length ? (given as string[]) : [input.cwd ?? '']).map((p) =>
      path.resolve(input.cwd ?? '/', p),
    );
    return { kind: 'paths', paths, access: READS[tool] ? 'read' : 'write' };
  }
  const capability = CAPABILITY_OF[tool];
  return capability ? { kind: 'capability', capability } : { kind: 'unknown', tool };
}

// The path as given and, where it exists (or its nearest existing parent does), as the system
// resolves it: a symbolic link inside a granted folder pointing out is decided by its target.
function withRealPath(target: string): string[] {
  for (let dir = target; ; dir = path.dirname(dir)) {
    try {
      const real = fs.realpathSync(dir);
      const resolved = path.join(real, path.relative(dir, target));
      return resolved === target ? [target] : [target, resolved];
    } catch {
      if (path.dirname(dir) === dir) return [target];
    }
  }
}

function decide(
  engine: PolicyEngine,
  asked: PolicyQuestion,
  context: PathContext,
): { decision: Decision; rule: RuleRef | null; what: string } {
  switch (asked.kind) {
    case 'connector': {
      const decided = engine.tool(asked.connector, asked.tool);
      return { ...decided, what: `${asked.connector}/${asked.tool}` };
    }
    case 'capability': {
      const decided = engine.capability(asked.capability);
      return {
        decision: decided.allowed ? 'allow' : 'deny',
        rule: decided.rule,
        what: asked.capability,
      };
    }
    case 'paths': {
      let last: { decision: Decision; rule: RuleRef | null; what: string } | null = null;
      for (const target of asked.paths.flatMap(withRealPath)) {
        const decided = engine.path(target, asked.access, context);
        last = { ...decided, what: `${asked.access} ${target}` };
        if (decided.decision !== 'allow') return last;
      }
      return last ?? { decision: 'deny', rule: null, what: asked.access };
    }
    case 'unknown':
      return { decision: 'deny', rule: null, what: asked.tool };
  }
}

export function preToolUse(
  input: HookInput,
  state: BundleState,
  context: PathContext,
): PreToolUseOutput {
  const answer = (permissionDecision: Decision, reason: string): PreToolUseOutput => ({
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision,
      permissionDecisionReason: `Steward: ${reason}`,
    },
  });
  if (!state.usable) return answer('deny', `no valid policy bundle (${state.reason})`);
  const decided = decide(state.engine, question(input), context);
  const why = decided.rule
    ? describeRule(decided.rule)
    : `Claude Code's ${decided.what} tool is not one Steward governs`;
  return answer(decided.decision, `${decided.what}: ${decided.decision} — ${why}`);
}

// A hard budget the person can no longer lease from, as the control plane reports it.
export interface ExhaustedBudget {
  subjectType: string;
  period: string;
  limitUsd: string;
  remainingUsd: string;
  resetsAt: string;
}

// A new prompt needs a valid bundle, the `agent` capability and no exhausted hard spend limit.
export function userPromptSubmit(
  state: BundleState,
  exhausted: ExhaustedBudget | null,
): PromptOutput {
  if (!state.usable) {
    return { decision: 'block', reason: `Steward: no valid policy bundle (${state.reason})` };
  }
  const use = state.engine.capability('agent');
  if (!use.allowed) return { decision: 'block', reason: `Steward: ${describeRule(use.rule)}` };
  if (exhausted) {
    return {
      decision: 'block',
      reason:
        `Steward: the ${exhausted.period} hard spend limit of the ${exhausted.subjectType} ` +
        `(${exhausted.limitUsd} USD) has ${exhausted.remainingUsd} USD left; it resets at ` +
        `${exhausted.resetsAt}`,
    };
  }
  return {};
}
