import type { Approver } from '../src/session/approver';

/** A person who always answers the same, or no one at all (`attended: false`). */
export class FixedApprover implements Approver {
  constructor(
    readonly attended: boolean,
    private readonly answer: boolean,
  ) {}

  async confirm(_question: string): Promise<boolean> {
    return this.attended && this.answer;
  }
}
