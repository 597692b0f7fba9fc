import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  catalogueHash,
  fetchCatalogue,
  parseUploadedCatalogue,
  toolFingerprint,
} from './connector-catalogue';
import { GovernanceError } from './governance.errors';

describe('connector catalogue', () => {
  it('parses an uploaded tools/list result or its bare array, and refuses anything else', () => {
    const listed = parseUploadedCatalogue(
      JSON.stringify({
        tools: [{ name: 'a', annotations: { readOnlyHint: true } }, { name: 'b' }],
      }),
    );
    expect(listed).toEqual([
      { name: 'a', description: '', annotations: { readOnlyHint: true } },
      { name: 'b', description: '', annotations: {} },
    ]);
    expect(parseUploadedCatalogue('[{"name":"a"}]')).toHaveLength(1);
    for (const bad of ['nope', '{"tools": 1}', '[{"name": ""}]', '[{"name":"a"},{"name":"a"}]']) {
      expect(() => parseUploadedCatalogue(bad)).toThrow(GovernanceError);
    }
  });

  it('fingerprints by name and annotations, whatever the key order', () => {
    const one = { name: 'a', annotations: { readOnlyHint: true, title: 'A' } };
    const same = { name: 'a', annotations: { title: 'A', readOnlyHint: true } };
    const changed = { name: 'a', annotations: { readOnlyHint: false, title: 'A' } };
    expect(toolFingerprint(one)).toBe(toolFingerprint(same));
    expect(toolFingerprint(one)).not.toBe(toolFingerprint(changed));
    expect(catalogueHash([one, { name: 'b', annotations: {} }])).toBe(
      catalogueHash([{ name: 'b', annotations: {} }, same]),
    );
  });

  it('lists the tools of a streamable HTTP server on 127.0.0.1', async () => {
    // Stateless: a fresh server and transport per request, as the SDK documents.
    const server = http.createServer(async (request, response) => {
      const mcp = new McpServer({ name: 'tiny-http', version: '1.0.0' });
      mcp.registerTool(
        'lookup',
        { description: 'Look up', annotations: { readOnlyHint: true } },
        async () => ({ content: [] }),
      );
      mcp.registerTool('write_note', { description: 'Write' }, async () => ({ content: [] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.on('close', () => void transport.close());
      await mcp.connect(transport);
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
      await transport.handleRequest(request, response, body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const tools = await fetchCatalogue(
        {
          name: 'notes',
          transport: 'streamable_http',
          command: null,
          args: [],
          url: `http://127.0.0.1:${port}/mcp`,
          version: '1.0.0',
        },
        { allowPrivateAddresses: true },
      );
      expect(tools).toEqual([
        { name: 'lookup', description: 'Look up', annotations: { readOnlyHint: true } },
        { name: 'write_note', description: 'Write', annotations: {} },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a server that cannot be reached as an import failure', async () => {
    await expect(
      fetchCatalogue(
        {
          name: 'gone',
          transport: 'stdio',
          command: '/nonexistent/mcp-server',
          args: [],
          url: null,
          version: '1',
        },
        { allowPrivateAddresses: false },
      ),
    ).rejects.toMatchObject({ code: 'import_failed' });
  });
});
