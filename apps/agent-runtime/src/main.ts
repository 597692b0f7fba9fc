import { buildProgram } from './cli';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(
      `steward-agent: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
