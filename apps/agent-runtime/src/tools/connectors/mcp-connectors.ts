import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StdioClientTransport,
  getDefaultEnvironment,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ConnectorAddress } from '@steward/policy';
import { RUNTIME_VERSION } from '../../control-plane/bundle-manager';
import type { SessionFolders } from '../../session/session-folders';
import { refused } from '../tool-error';
import { sandboxedConnector } from './connector-sandbox';
import { pathArguments, resolvePathArgument } from './path-arguments';

// A server that works with roots asks for them right after it is initialised; its first call waits
// that long at most, so it never works on the folders it was started with.
const ROOTS_WAIT_MS = 250;

export interface ConnectorSession {
  folders: SessionFolders;
  // The account's home: HOME of stdio servers, and what `~` means in a path argument.
  home: string;
}

/**
 * MCP clients made from the runtime process (not from the sandbox), connected on first use to the
 * addresses the verified bundle names and nowhere else: no file on this computer can add a
 * connector or point one at another server. A server that does not report the pinned version is
 * disconnected before any call. Folder rules hold for connectors too: servers are offered the
 * granted folders as their MCP roots, a call whose path arguments fall outside them, in a
 * forbidden place or (for write tools) over a protected one is refused before it is sent, and
 * stdio servers run in a sandbox where forbidden places and the runtime's state are empty.
 */
export class McpConnectors {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly addresses: Readonly<Record<string, ConnectorAddress>>,
    private readonly session: ConnectorSession,
  ) {}

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
      client = this.connect(connector, address);
      this.clients.set(connector, client);
    }
    return client;
  }

  // `access` is the tool's kind in the approved catalogue: what its path arguments are checked for.
  async call(
    connector: string,
    tool: string,
    args: Record<string, unknown>,
    access: 'read' | 'write',
  ): Promise<{ content: string; isError: boolean }> {
    this.checkPaths(args, access);
    const client = await this.client(connector);
    const result = await client.callTool({ name: tool, arguments: args });
    const content = Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[])
          .map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type}]`))
          .join('\n')
      : JSON.stringify(result);
    return { content, isError: result.isError === true };
  }

  private checkPaths(args: Record<string, unknown>, access: 'read' | 'write'): void {
    const { folders, home } = this.session;
    for (const value of pathArguments(args)) {
      let absolute: string;
      try {
        absolute = resolvePathArgument(value, folders.grants[0]!.root, home);
      } catch {
        throw refused(`${value} is not a path the runtime can check`, 'path.invalid');
      }
      const refusal = folders.check(absolute, access);
      if (refusal) throw refusal;
    }
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map(async (client) => (await client).close()));
  }

  private async connect(connector: string, address: ConnectorAddress): Promise<Client> {
    const { folders, home } = this.session;
    const transport =
      address.transport === 'stdio'
        ? new StdioClientTransport({
            ...sandboxedConnector(address.command, address.args, folders),
            // The SDK's default environment (no API keys of the runtime's), HOME the account's.
            env: { ...getDefaultEnvironment(), HOME: home },
            cwd: folders.grants[0]!.root,
            stderr: 'ignore',
          })
        : new StreamableHTTPClientTransport(new URL(address.url));
    const client = new Client(
      { name: 'steward-agent', version: RUNTIME_VERSION },
      { capabilities: { roots: {} } },
    );
    let rootsAsked = () => {};
    const asked = new Promise<void>((resolve) => (rootsAsked = resolve));
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      rootsAsked();
      return {
        roots: folders.grants.map((grant) => ({
          uri: pathToFileURL(grant.root).href,
          name: path.basename(grant.root),
        })),
      };
    });
    await client.connect(transport);
    const reported = client.getServerVersion()?.version;
    if (reported !== address.version) {
      await client.close();
      throw refused(
        `connector ${connector} reports version ${reported ?? 'none'}, not the pinned ${address.version}`,
        `connector:${connector}:version`,
      );
    }
    await Promise.race([
      asked,
      new Promise((resolve) => setTimeout(resolve, ROOTS_WAIT_MS).unref()),
    ]);
    return client;
  }
}
