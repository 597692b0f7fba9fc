import fs from 'node:fs';
import { z } from 'zod';
import type { AgentModel, ModelReply, ModelStep, StepResult } from '../model';

// A model that replays a fixed list of steps, for tests, demos and replaying recorded sessions:
// {"steps":[{"tool":"read_file","input":{"path":"notes.md"}}, …, {"final":"done"}]}.
const ScriptStep = z.union([
  z.object({ tool: z.string().min(1), input: z.record(z.string(), z.unknown()).default({}) }),
  z.object({ final: z.string() }),
]);
export const Script = z.object({ steps: z.array(ScriptStep).min(1) });
export type Script = z.infer<typeof Script>;

export class ScriptedModel implements AgentModel {
  readonly name = 'scripted';
  private position = 0;

  constructor(private readonly script: Script) {}

  static fromFile(file: string): ScriptedModel {
    const parsed = Script.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is not a valid script: ${parsed.error.message}`);
    return new ScriptedModel(parsed.data);
  }

  async plan(): Promise<ModelReply<string>> {
    const lines = this.script.steps.map((step, index) =>
      'tool' in step
        ? `${index + 1}. ${step.tool} ${JSON.stringify(step.input)}`
        : `${index + 1}. finish: ${step.final}`,
    );
    return { value: lines.join('\n') };
  }

  async next(_previous?: StepResult): Promise<ModelReply<ModelStep>> {
    const step = this.script.steps[this.position];
    const index = this.position;
    this.position += 1;
    if (!step) return { value: { kind: 'final', text: '' } };
    if ('final' in step) return { value: { kind: 'final', text: step.final } };
    return {
      value: { kind: 'tool', callId: `step-${index + 1}`, tool: step.tool, input: step.input },
    };
  }
}
