import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';

// A streamable HTTP MCP server on 127.0.0.1 that counts the connections it is opened.
async function localMcpServer() {
  let connections = 0;
  const server = http.createServer(async (request, response) => {
    const mcp = new McpServer({ name: 'internal-crm', version: '1.0.0' });
    mcp.registerTool(
      'find_account',
      { description: 'Find', annotations: { readOnlyHint: true } },
      async () => ({ content: [] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => void transport.close());
    await mcp.connect(transport);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    await transport.handleRequest(request, response, body);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function importFrom(api: TestApi, url: string) {
  const org = await api.get(OrganizationsService).create(`HTTP import ${Math.random()}`, {
    type: 'operator',
  });
  const admin = await signInAdmin(api, org.id, 'admin');
  const created = await graphql<{ createConnector: { id: string } }>(
    api,
    admin,
    `
      mutation ($input: ConnectorInput!) {
        createConnector(input: $input) {
          id
        }
      }
    `,
    { input: { name: 'crm', transport: 'streamable_http', url, version: '1.0.0' } },
  );
  expect(created.errors).toBeUndefined();
  const id = created.data!.createConnector.id;
  const imported = await graphql<{ importConnectorTools: { added: string[] } }>(
    api,
    admin,
    `
      mutation ($id: ID!) {
        importConnectorTools(id: $id) {
          added
        }
      }
    `,
    { id },
  );
  const connector = await graphql<{ connector: { tools: { name: string }[] } }>(
    api,
    admin,
    `
      query ($id: ID!) {
        connector(id: $id) {
          tools {
            name
          }
        }
      }
    `,
    { id },
  );
  return { imported, tools: connector.data!.connector.tools.map((tool) => tool.name) };
}

// An admin-entered connector URL must not make the API reach its own host, its network or the
// cloud's metadata service: by default an HTTP import connects only to public addresses.
describe('HTTP connector import and private addresses', () => {
  let server: Awaited<ReturnType<typeof localMcpServer>>;
  let api: TestApi;
  let permissive: TestApi;

  beforeAll(async () => {
    server = await localMcpServer();
    api = await startTestApi();
    permissive = await startTestApi({ STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT: 'true' });
  });
  afterAll(async () => {
    await permissive?.close();
    await api?.close();
    await server?.close();
  });

  it('refuses a loopback address, literal or by name, without connecting', async () => {
    expect(api.config.STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT).toBe(false);
    const literal = await importFrom(api, `http://127.0.0.1:${server.port}/mcp`);
    expect(literal.imported.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'address_refused',
    });
    expect(literal.imported.errors?.[0]?.message).toMatch(
      /127\.0\.0\.1 is a loopback address.*STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT=true/,
    );

    const named = await importFrom(api, `http://localhost:${server.port}/mcp`);
    expect(named.imported.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'address_refused',
    });
    expect(named.imported.errors?.[0]?.message).toMatch(
      /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    );

    const ipv6 = await importFrom(api, `http://[::1]:${server.port}/mcp`);
    expect(ipv6.imported.errors?.[0]?.extensions).toMatchObject({ reason: 'address_refused' });

    expect(server.connections()).toBe(0);
    expect([literal.tools, named.tools, ipv6.tools]).toEqual([[], [], []]);
  });

  it('imports from an internal server when the operator allows private addresses', async () => {
    const { imported, tools } = await importFrom(permissive, `http://localhost:${server.port}/mcp`);
    expect(imported.errors).toBeUndefined();
    expect(imported.data?.importConnectorTools.added).toEqual(['find_account']);
    expect(tools).toEqual(['find_account']);
    expect(server.connections()).toBeGreaterThan(0);
  });
});
