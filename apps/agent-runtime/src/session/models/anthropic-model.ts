import Anthropic from '@anthropic-ai/sdk';
import Decimal from 'decimal.js';
import type { AgentModel, ModelReply, ModelStep, ModelUsage, StepResult, ToolSpec } from '../model';

// Served by the Claude API today (Sonnet 4.5 reached end of life on 2026-11-30); `--model` or
// STEWARD_MODEL chooses another.
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

// USD per million tokens (input, output), from Anthropic's published prices. A model missing here
// is priced as the most expensive listed, so spend is never under-counted.
const PRICES: Record<string, [number, number]> = {
  'claude-opus-4-1': [15, 75],
  'claude-opus-4-5': [5, 25],
  'claude-opus-4-6': [5, 25],
  'claude-sonnet-4-6': [3, 15],
  'claude-sonnet-4-5': [3, 15],
  'claude-sonnet-4': [3, 15],
  'claude-haiku-4-5': [1, 5],
  'claude-3-5-haiku': [0.8, 4],
};
const MOST_EXPENSIVE: [number, number] = [15, 75];

export function costOf(model: string, inputTokens: number, outputTokens: number): string {
  const key = Object.keys(PRICES)
    .sort((a, b) => b.length - a.length)
    .find((prefix) => model.startsWith(prefix));
  const [input, output] = key ? PRICES[key]! : MOST_EXPENSIVE;
  return new Decimal(inputTokens)
    .mul(input)
    .plus(new Decimal(outputTokens).mul(output))
    .div(1_000_000)
    .toFixed();
}

const SYSTEM =
  'You are a desktop agent working only inside the folders the person granted. Use the tools; ' +
  'a refused tool call is final — do not try to work around it.';

/** The Anthropic Messages API with tool use; one conversation per session. */
export class AnthropicModel implements AgentModel {
  private readonly messages: Anthropic.MessageParam[] = [];
  private tools: Anthropic.Tool[] = [];
  private readonly warned = new Set<string>();

  constructor(
    private readonly client: Anthropic,
    readonly name: string,
    private readonly maxTokens = 4096,
    private readonly warn: (message: string) => void = warnOnStderr,
  ) {}

  /**
   * The next turn of the conversation, with the tools offered (`choice`: whether it may call one).
   * The SDK warns with console.warn, synchronously inside create(), on every request to a model it
   * knows to be deprecated: the person gets that warning once per session, not once per call.
   */
  private create(choice: { tool_choice?: Anthropic.ToolChoice } = {}): Promise<Anthropic.Message> {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.name,
      max_tokens: this.maxTokens,
      system: SYSTEM,
      messages: this.messages,
      tools: this.tools,
      ...choice,
    };
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (!this.warned.has(text)) {
        this.warned.add(text);
        this.warn(text);
      }
    };
    try {
      return this.client.messages.create(params);
    } finally {
      console.warn = consoleWarn;
    }
  }

  private usageOf(message: Anthropic.Message): ModelUsage {
    const inputTokens =
      message.usage.input_tokens +
      (message.usage.cache_creation_input_tokens ?? 0) +
      (message.usage.cache_read_input_tokens ?? 0);
    return {
      model: message.model,
      inputTokens,
      outputTokens: message.usage.output_tokens,
      costUsd: costOf(message.model, inputTokens, message.usage.output_tokens),
    };
  }

  async plan(task: string, tools: ToolSpec[]): Promise<ModelReply<string>> {
    this.tools = tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema,
    }));
    this.messages.push({
      role: 'user',
      content: `Task: ${task}\n\nFirst reply with a short numbered plan only; do not call tools yet.`,
    });
    const message = await this.create({ tool_choice: { type: 'none' } });
    this.messages.push({ role: 'assistant', content: message.content });
    this.messages.push({ role: 'user', content: 'The plan is approved. Carry it out.' });
    return { value: textOf(message), usage: this.usageOf(message) };
  }

  async next(previous?: StepResult): Promise<ModelReply<ModelStep>> {
    if (previous) {
      this.messages.push({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: previous.callId,
            content: previous.content,
            is_error: !previous.ok,
          },
        ],
      });
    }
    const message = await this.create();
    // Only the first tool call of a reply is run; the conversation keeps just that call, so the
    // next request carries exactly one matching tool_result.
    const toolUse = message.content.find(
      (block): block is Anthropic.ToolUseBlock => block.type === 'tool_use',
    );
    const usage = this.usageOf(message);
    if (!toolUse) {
      this.messages.push({ role: 'assistant', content: message.content });
      return { value: { kind: 'final', text: textOf(message) }, usage };
    }
    this.messages.push({
      role: 'assistant',
      content: message.content.filter((block) => block.type !== 'tool_use' || block === toolUse),
    });
    return {
      value: {
        kind: 'tool',
        callId: toolUse.id,
        tool: toolUse.name,
        input: (toolUse.input ?? {}) as Record<string, unknown>,
      },
      usage,
    };
  }
}

function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

function textOf(message: Anthropic.Message): string {
  return message.content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}
