import { performance } from 'node:perf_hooks';
import {
  describeRule,
  type Capability,
  type PathContext,
  type PolicyEngine,
} from '@steward/policy';
import { z } from 'zod';
import type { FileTools } from '../tools/files/file-tools';
import type { McpConnectors } from '../tools/connectors/mcp-connectors';
import type { SandboxShell } from '../tools/shell/sandbox-shell';
import { ToolError } from '../tools/tool-error';
import type { Approver } from './approver';
import type { EventRecorder } from './event-recorder';
import type { StepResult, ToolSpec } from './model';

type Access = 'read' | 'write';

const Path = z.string().min(1).max(4096);
const INPUTS = {
  read_file: z.object({ path: Path }),
  write_file: z.object({ path: Path, content: z.string() }),
  list_dir: z.object({ path: Path.optional() }),
  move: z.object({ from: Path, to: Path }),
  search: z.object({ query: z.string().min(1), path: Path.optional() }),
  shell: z.object({ command: z.string().min(1).max(20_000) }),
  mcp: z.object({
    connector: z.string().min(1),
    tool: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
};
type ToolName = keyof typeof INPUTS;

// The runtime's own tools: the capability that gates each and whether it changes anything.
const TOOLS: Record<ToolName, { capability: Capability; access: Access; description: string }> = {
  read_file: { capability: 'agent', access: 'read', description: 'Read a text file.' },
  write_file: { capability: 'agent', access: 'write', description: 'Create or replace a file.' },
  list_dir: { capability: 'agent', access: 'read', description: 'List a folder.' },
  move: { capability: 'agent', access: 'write', description: 'Move or rename a file or folder.' },
  search: { capability: 'agent', access: 'read', description: 'Find lines containing a text.' },
  shell: {
    capability: 'shell',
    access: 'write',
    description: 'Run a shell command in a sandbox that sees only the granted folders.',
  },
  mcp: {
    capability: 'connectors',
    access: 'write',
    description: 'Call a tool of one of the organization’s MCP connectors.',
  },
};

function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOLS, name);
}

export interface ToolEnvironment {
  engine: PolicyEngine;
  pathContext: PathContext;
  files: FileTools;
  shell: SandboxShell | null;
  connectors: McpConnectors | null;
  approver: Approver;
  recorder: EventRecorder;
}

type ConnectorCall = z.infer<(typeof INPUTS)['mcp']>;

// One tool call as it is recorded: what the model asked for, and when it started.
interface Call {
  callId: string;
  tool: string;
  parameters: string;
  started: number;
}

interface Verdict {
  decision: 'allow' | 'ask' | 'deny';
  rule: string;
  access: Access;
  connector?: string;
  mcpTool?: string;
  approvalSource?: 'person' | 'unattended';
}

/**
 * Runs each model-requested tool call through the policy: capabilities gate whole tools, MCP calls
 * are decided per connector and tool (read/write from the approved catalogue), paths per folder
 * rule and grant. `allow` runs, `deny` is refused and reported to the model, `ask` runs only when
 * the person says yes — and is denied when no one can answer.
 */
export class ToolRunner {
  private calls = 0;

  constructor(private readonly env: ToolEnvironment) {}

  get toolCalls(): number {
    return this.calls;
  }

  /** The tools offered to the model: those whose capability the bundle grants. */
  offered(): ToolSpec[] {
    return (Object.keys(TOOLS) as ToolName[])
      .filter((name) => this.env.engine.capability(TOOLS[name].capability).allowed)
      .filter((name) => name !== 'shell' || this.env.shell !== null)
      .filter((name) => name !== 'mcp' || this.env.connectors !== null)
      .map((name) => ({
        name,
        description: TOOLS[name].description,
        inputSchema: z.toJSONSchema(INPUTS[name]) as ToolSpec['inputSchema'],
      }));
  }

  async run(callId: string, tool: string, rawInput: Record<string, unknown>): Promise<StepResult> {
    this.calls += 1;
    const call: Call = {
      callId,
      tool,
      started: performance.now(),
      parameters: JSON.stringify(rawInput).slice(0, 20_000),
    };
    if (!isToolName(tool)) {
      this.violation('tool', tool, 'tool:not_in_runtime_catalogue');
      return this.finish(
        call,
        { decision: 'deny', rule: 'tool:not_in_runtime_catalogue', access: 'write' },
        'refused',
        `refused: there is no tool named ${tool}`,
      );
    }
    const spec = TOOLS[tool];
    const capability = this.env.engine.capability(spec.capability);
    if (!capability.allowed) {
      this.violation('capability', tool, capability.rule.id);
      return this.finish(
        call,
        { decision: 'deny', rule: capability.rule.id, access: spec.access },
        'refused',
        `refused: your organization does not allow the ${tool} tool`,
      );
    }
    const allowed: Verdict = { decision: 'allow', rule: capability.rule.id, access: spec.access };
    const parsed = INPUTS[tool].safeParse(rawInput);
    if (!parsed.success) {
      return this.finish(call, allowed, 'error', `invalid input: ${parsed.error.message}`);
    }
    if (tool !== 'mcp') return this.execute(call, tool, parsed.data, allowed);
    const input = parsed.data as ConnectorCall;
    const { verdict, refusal } = await this.connectorVerdict(input);
    if (refusal) return this.finish(call, verdict, 'refused', refusal);
    return this.execute(call, tool, input, verdict);
  }

  // A connector call is decided per connector and tool, and `ask` asks the person; a refusal says
  // why, for the model.
  private async connectorVerdict(
    input: ConnectorCall,
  ): Promise<{ verdict: Verdict; refusal: string | null }> {
    const decided = this.env.engine.tool(input.connector, input.tool);
    const verdict: Verdict = {
      decision: decided.decision,
      rule: decided.rule.id,
      access: decided.kind ?? 'write',
      connector: input.connector,
      mcpTool: input.tool,
    };
    if (decided.decision === 'deny') {
      this.violation(
        decided.rule.kind === 'connector_not_allowed' ? 'connector' : 'tool',
        `${input.connector}/${input.tool}`,
        decided.rule.id,
      );
      return { verdict, refusal: `refused: ${describeRule(decided.rule)}` };
    }
    if (decided.decision === 'ask') {
      const approved = await this.ask(
        `Allow the agent to call ${input.connector}/${input.tool} (${verdict.access})?`,
      );
      verdict.approvalSource = this.env.approver.attended ? 'person' : 'unattended';
      if (!approved) return { verdict, refusal: 'refused: the person did not approve this call' };
    }
    return { verdict, refusal: null };
  }

  // Runs an allowed call. A tool that refuses on its own (the sandbox, a connector's roots, a path
  // check) reports a violation, and the call is recorded as denied by that rule.
  private async execute(
    call: Call,
    tool: ToolName,
    input: unknown,
    verdict: Verdict,
  ): Promise<StepResult> {
    try {
      const content = await this.runTool(tool, input);
      return this.finish(call, verdict, 'ok', content);
    } catch (error) {
      if (error instanceof ToolError && error.outcome === 'refused') {
        const kind = tool === 'shell' ? 'sandbox' : tool === 'mcp' ? 'connector' : 'path';
        this.violation(kind, call.parameters, error.rule ?? 'refused');
        return this.finish(
          call,
          { ...verdict, decision: 'deny', rule: error.rule ?? verdict.rule },
          'refused',
          `refused: ${error.message}`,
        );
      }
      return this.finish(call, verdict, 'error', `error: ${(error as Error).message}`);
    }
  }

  // Records the call with its decision and outcome, and gives the model its result.
  private finish(
    call: Call,
    verdict: Verdict,
    outcome: 'ok' | 'error' | 'refused',
    content: string,
  ): StepResult {
    this.env.recorder.record({
      type: 'tool.called',
      tool: call.tool,
      ...(verdict.connector ? { connector: verdict.connector } : {}),
      ...(verdict.mcpTool ? { mcpTool: verdict.mcpTool } : {}),
      access: verdict.access,
      decision: verdict.decision,
      rule: verdict.rule,
      ...(verdict.approvalSource ? { approvalSource: verdict.approvalSource } : {}),
      outcome,
      durationMs: Math.round((performance.now() - call.started) * 1000) / 1000,
      parameters: call.parameters,
      ...(outcome === 'ok' ? {} : { error: content.slice(0, 2000) }),
    });
    return { callId: call.callId, ok: outcome === 'ok', content };
  }

  private ask(question: string): Promise<boolean> {
    return this.env.approver.attended
      ? this.env.approver.confirm(question)
      : Promise.resolve(false);
  }

  private violation(
    kind: 'tool' | 'capability' | 'connector' | 'path' | 'sandbox',
    target: string,
    rule: string,
  ) {
    this.env.recorder.record({ type: 'policy.violation', kind, target, rule });
  }

  private async runTool(tool: ToolName, input: unknown): Promise<string> {
    const { files, recorder } = this.env;
    switch (tool) {
      case 'read_file': {
        const result = files.readFile((input as { path: string }).path);
        recorder.record({ type: 'file.read', path: result.path, bytes: result.bytes });
        return result.content;
      }
      case 'write_file': {
        const { path, content } = input as { path: string; content: string };
        const result = files.writeFile(path, content);
        recorder.record({
          type: 'file.modified',
          path: result.path,
          change: result.created ? 'created' : 'written',
          bytes: result.bytes,
        });
        return `wrote ${result.bytes} bytes to ${result.path}`;
      }
      case 'list_dir':
        return JSON.stringify(files.listDir((input as { path?: string }).path ?? '.'));
      case 'move': {
        const { from, to } = input as { from: string; to: string };
        const result = files.move(from, to);
        recorder.record({
          type: 'file.modified',
          path: result.to,
          change: 'moved',
          from: result.from,
        });
        return `moved ${result.from} to ${result.to}`;
      }
      case 'search': {
        const { query, path } = input as { query: string; path?: string };
        return JSON.stringify(files.search(query, path ?? '.'));
      }
      case 'shell': {
        if (!this.env.shell) throw new ToolError('the shell sandbox is not available', 'error');
        const result = await this.env.shell.run((input as { command: string }).command);
        return JSON.stringify(result);
      }
      case 'mcp': {
        if (!this.env.connectors) throw new ToolError('connectors are not available', 'error');
        const call = input as ConnectorCall;
        const kind = this.env.engine.tool(call.connector, call.tool).kind ?? 'write';
        const result = await this.env.connectors.call(
          call.connector,
          call.tool,
          call.arguments,
          kind,
        );
        if (result.isError) throw new ToolError(result.content, 'error');
        return result.content;
      }
    }
  }
}
