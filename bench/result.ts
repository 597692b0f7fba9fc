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

export function reportResult(result: BenchResult): void {
  console.log(`RESULT ${JSON.stringify(result)}`);
}
