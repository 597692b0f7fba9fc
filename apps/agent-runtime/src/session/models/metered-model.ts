import type { SpendGuard } from '../../control-plane/spend-guard';
import type { AgentModel, ModelReply, ModelStep, StepResult, ToolSpec } from '../model';

/** Wraps a model so each request runs under a spend lease, settled with the request's cost. */
export class MeteredModel implements AgentModel {
  constructor(
    private readonly model: AgentModel,
    private readonly guard: SpendGuard,
    private readonly leaseUsd: string,
  ) {}

  get name(): string {
    return this.model.name;
  }

  private async metered<T>(request: () => Promise<ModelReply<T>>): Promise<ModelReply<T>> {
    const lease = await this.guard.reserve(this.leaseUsd);
    let cost = '0';
    try {
      const reply = await request();
      cost = reply.usage?.costUsd ?? '0';
      return reply;
    } finally {
      await this.guard.settle(lease, cost);
    }
  }

  plan(task: string, tools: ToolSpec[]): Promise<ModelReply<string>> {
    return this.metered(() => this.model.plan(task, tools));
  }

  next(previous?: StepResult): Promise<ModelReply<ModelStep>> {
    return this.metered(() => this.model.next(previous));
  }
}
