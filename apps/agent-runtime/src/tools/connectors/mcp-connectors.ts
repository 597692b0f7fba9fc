import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ConnectorAddress } from '@steward/policy';
import { RUNTIME_VERSION } from '../../control-plane/bundle-manager';
import { refused } from '../tool-error';

/**
 * MCP clients made from the runtime process (not from the sandbox), connected on first use to the
 * addresses the verified bundle names and nowhere else: no file on this computer can add a
 * connector or point one at another server. A server that does not report the pinned version is
 * disconnected before any call.
 */
export class McpConnectors {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(private readonly addresses: Readonly<Record<string, ConnectorAddress>>) {}

  private client(connector: string): Promise<Client> {
    let client = this.clients.get(connector);
    if (!client) {
      const address = Object.hasOwn(this.addresses, connector)
        ? this.addresses[connector]
        : undefined;
      if (!address) {
        throw refused(
          `the policy bundle names no address for connector ${connector}`,
          `connector:${connector}:no_address`,
        );
      }
      client = connect(connector, address);
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

async function connect(connector: string, address: ConnectorAddress): Promise<Client> {
  // stdio servers get only the SDK's default environment (no API keys of the runtime's).
  const transport =
    address.transport === 'stdio'
      ? new StdioClientTransport({ command: address.command, args: address.args, stderr: 'ignore' })
      : new StreamableHTTPClientTransport(new URL(address.url));
  const client = new Client({ name: 'steward-agent', version: RUNTIME_VERSION });
  await client.connect(transport);
  const reported = client.getServerVersion()?.version;
  if (reported !== address.version) {
    await client.close();
    throw refused(
      `connector ${connector} reports version ${reported ?? 'none'}, not the pinned ${address.version}`,
      `connector:${connector}:version`,
    );
  }
  return client;
}
