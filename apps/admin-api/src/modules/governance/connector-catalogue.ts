import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/canonical-json';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import { GuardedHttp } from '../../platform/http/guarded-http';
import type { CatalogueTool, ConnectorWrite } from './governance.types';

const IMPORT_TIMEOUT_MS = 20_000;
const MAX_TOOLS = 2_000;

const annotationsSchema = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .loose();

const toolSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  annotations: annotationsSchema.optional(),
});

// An uploaded catalogue: the `tools/list` result (`{ tools: [...] }`) or just its array.
const uploadSchema = z.union([
  z.object({ tools: z.array(toolSchema).max(MAX_TOOLS) }),
  z.array(toolSchema).max(MAX_TOOLS),
]);

function toCatalogue(tools: z.infer<typeof toolSchema>[]): CatalogueTool[] {
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) {
      throw new GovernanceError(GovernanceErrorCode.Invalid, `tool ${tool.name} is listed twice`);
    }
    seen.add(tool.name);
  }
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description ?? '',
    annotations: tool.annotations ?? {},
  }));
}

export function parseUploadedCatalogue(json: string): CatalogueTool[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new GovernanceError(GovernanceErrorCode.Invalid, 'the catalogue is not JSON');
  }
  const parsed = uploadSchema.safeParse(value);
  if (!parsed.success) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      `the catalogue is not a tools/list result: ${parsed.error.message}`,
    );
  }
  return toCatalogue(Array.isArray(parsed.data) ? parsed.data : parsed.data.tools);
}

// Connects to the server the way an endpoint would and lists its tools (all pages). An HTTP
// server is reached only at public addresses unless `allowPrivateAddresses` (see GuardedHttp).
export async function fetchCatalogue(
  connector: ConnectorWrite,
  options: { allowPrivateAddresses: boolean },
): Promise<CatalogueTool[]> {
  const client = new Client({ name: 'steward-admin', version: '1.0.0' });
  const http =
    connector.transport === 'stdio'
      ? null
      : new GuardedHttp(options.allowPrivateAddresses, IMPORT_TIMEOUT_MS);
  const transport = http
    ? new StreamableHTTPClientTransport(new URL(connector.url!), { fetch: http.fetch })
    : new StdioClientTransport({
        command: connector.command!,
        args: connector.args,
        stderr: 'ignore',
      });
  try {
    await client.connect(transport, { timeout: IMPORT_TIMEOUT_MS });
    const tools: z.infer<typeof toolSchema>[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: IMPORT_TIMEOUT_MS });
      for (const tool of page.tools) tools.push(toolSchema.parse(tool));
      if (tools.length > MAX_TOOLS) {
        throw new GovernanceError(GovernanceErrorCode.Invalid, 'too many tools');
      }
      cursor = page.nextCursor;
    } while (cursor);
    return toCatalogue(tools);
  } catch (error) {
    if (error instanceof GovernanceError) throw error;
    if (http?.refusal) {
      throw new GovernanceError(
        GovernanceErrorCode.AddressRefused,
        `not importing ${connector.name}: ${http.refusal.message}, and the Steward server connects only to public addresses unless its operator sets STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT=true; upload the server's tools/list result as JSON instead`,
      );
    }
    throw new GovernanceError(
      GovernanceErrorCode.ImportFailed,
      `could not list the tools of ${connector.name}: ${(error as Error).message}`,
    );
  } finally {
    await client.close().catch(() => undefined);
    await http?.close();
  }
}

// What an approval covers for one tool: its name and annotations.
export function toolFingerprint(tool: { name: string; annotations: unknown }): string {
  return (
    createHash('sha256')
      // Canonical JSON, so key order never looks like drift.
      .update(canonicalJson({ name: tool.name, annotations: tool.annotations }))
      .digest('hex')
  );
}

export function catalogueHash(tools: { name: string; annotations: unknown }[]): string {
  const lines = tools.map(toolFingerprint).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}
