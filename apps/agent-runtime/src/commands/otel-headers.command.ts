import fs from 'node:fs';
import { Command } from 'commander';
import { CliExit, print } from './command-context';

// `steward-agent otel-headers FILE`: Claude Code's otelHeadersHelper. Prints the exporter's headers
// that `sync` wrote for the governed person (readable by that account only), so the endpoint's
// credential reaches Claude Code's exporter without passing through its environment, which every
// Bash and MCP child process inherits. Sandboxed commands cannot read the file.
export function otelHeadersCommand(): Command {
  return new Command('otel-headers')
    .description("print the OpenTelemetry exporter's headers for a governed agent (JSON)")
    .argument('<file>', 'the headers file sync wrote beside the managed settings')
    .action((file: string) => {
      let headers: unknown;
      try {
        headers = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliExit(`no exporter headers in ${file}: ${(error as Error).message}`, 1);
      }
      const valid =
        typeof headers === 'object' &&
        headers !== null &&
        !Array.isArray(headers) &&
        Object.values(headers).every((value) => typeof value === 'string');
      if (!valid) throw new CliExit(`${file} is not an object of header names and values`, 1);
      print(JSON.stringify(headers));
    });
}
