// What the session runner needs from a model: a plan for the task, then one step at a time — a
// tool call or the final answer — given the result of the previous step.
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

export type ModelStep =
  | { kind: 'tool'; callId: string; tool: string; input: Record<string, unknown> }
  | { kind: 'final'; text: string };

export interface ModelUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** USD as a decimal string. */
  costUsd: string;
}

export interface ModelReply<T> {
  value: T;
  usage?: ModelUsage;
}

export interface StepResult {
  callId: string;
  ok: boolean;
  /** What the model sees: the tool's output, or why it was refused. */
  content: string;
}

export interface AgentModel {
  readonly name: string;
  plan(task: string, tools: ToolSpec[]): Promise<ModelReply<string>>;
  /** The next step; `previous` is the result of the last tool call (none on the first step). */
  next(previous?: StepResult): Promise<ModelReply<ModelStep>>;
}
