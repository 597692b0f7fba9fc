import fs from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StdioClientTransport,
  getDefaultEnvironment,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { RUNTIME_VERSION } from '../../control-plane/bundle-manager';
import { ToolError } from '../tool-error';

// How to reach each connector on this machine. Whether a call may happen at all is the bundle's
// decision (connector allow-list, tool catalogue, read/write rules), made before `call`; this file
// only says where the server is.
export const ConnectorEndpoint = z.discriminatedUnion('transport', [
  z.object({
    transport: z.literal('stdio'),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    // Extra environment for the server; it otherwise gets only the SDK's safe default variables.
    env: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ transport: z.literal('streamable_http'), url: z.url() }),
]);
export const ConnectorEndpoints = z.record(z.string(), ConnectorEndpoint);
export type ConnectorEndpoints = z.infer<typeof ConnectorEndpoints>;

export function readConnectorEndpoints(file: string): ConnectorEndpoints {
  if (!fs.existsSync(file)) return {};
  return ConnectorEndpoints.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** MCP clients made from the runtime process (not from the sandbox), connected on first use. */
export class McpConnectors {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(private readonly endpoints: ConnectorEndpoints) {}

  private client(connector: string): Promise<Client> {
    let client = this.clients.get(connector);
    if (!client) {
      const endpoint = this.endpoints[connector];
      if (!endpoint) {
        throw new ToolError(`connector ${connector} is not configured on this computer`, 'error');
      }
      const transport =
        endpoint.transport === 'stdio'
          ? new StdioClientTransport({
              command: endpoint.command,
              args: endpoint.args,
              ...(endpoint.env ? { env: { ...getDefaultEnvironment(), ...endpoint.env } } : {}),
              stderr: 'ignore',
            })
          : new StreamableHTTPClientTransport(new URL(endpoint.url));
      const created = new Client({ name: 'steward-agent', version: RUNTIME_VERSION });
      client = created.connect(transport).then(() => created);
      this.clients.set(connector, client);
    }
    return client;
  }

  async call(
    connector: string,
    tool: string,
    args: Record<string, unknown>,
  ): Promise<{ content: string; isError: boolean }> {
    const client = await this.client(connector);
    const result = await client.callTool({ name: tool, arguments: args });
    const content = Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[])
          .map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type}]`))
          .join('\n')
      : JSON.stringify(result);
    return { content, isError: result.isError === true };
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map(async (client) => (await client).close()));
  }
}
