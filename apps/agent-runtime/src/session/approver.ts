import readline from 'node:readline/promises';

/** Asks the person; `null` when no one can answer (no terminal), which callers treat as "no". */
export interface Approver {
  readonly attended: boolean;
  confirm(question: string): Promise<boolean>;
}

export class TerminalApprover implements Approver {
  constructor(
    private readonly input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stderr,
  ) {}

  get attended(): boolean {
    return this.input.isTTY === true;
  }

  async confirm(question: string): Promise<boolean> {
    if (!this.attended) return false;
    const rl = readline.createInterface({ input: this.input, output: this.output });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  }
}
