import { buildProgram, exitCodeOf } from './cli';

buildProgram()
  .parseAsync(process.argv)
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    process.stderr.write(
      `steward-agent: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(exitCodeOf(error));
  });
