import os from 'node:os';

// The one line each benchmark prints per headline figure; scripts/bench.mjs collects these lines
// into the table in docs/benchmarks.md. `peer` is what the figure is compared with (a bare
// baseline, another library, the same figure at a smaller scale), measured in the same run.
export interface BenchResult {
  figure: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  ratio?: number;
  goal: string;
  met: boolean;
}

// The machine's one-minute load average when the figure was printed: other work on the same
// cores moves absolute figures (ratios measured in the same run much less).
export function reportResult(result: BenchResult): void {
  console.log(`RESULT ${JSON.stringify({ ...result, load: os.loadavg()[0] })}`);
}

// One line to print at the start of a benchmark and between its rounds.
export function machineLoad(): string {
  const [one, five, fifteen] = os.loadavg().map((value) => value.toFixed(2));
  return `load average ${one} ${five} ${fifteen} on ${os.cpus().length} cores`;
}
