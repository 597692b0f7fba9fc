// A small CRM as an MCP server over stdio, for the end-to-end story (`npm run demo` and
// test/production-shape.e2e-spec.ts): two read tools and two write tools, annotated as a real
// server would annotate them.
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'acme-crm', version: '2.4.0' });
const deals = [
  { id: 'D-1042', account: 'Globex', stage: 'proposal', amount: 48000 },
  { id: 'D-1043', account: 'Initech', stage: 'negotiation', amount: 125000 },
];

server.registerTool(
  'search_deals',
  {
    description: 'Search open deals by account name',
    inputSchema: { account: z.string().optional() },
    annotations: { readOnlyHint: true },
  },
  async ({ account }) => ({
    content: [
      {
        type: 'text',
        text: JSON.stringify(deals.filter((d) => !account || d.account.includes(account))),
      },
    ],
  }),
);
server.registerTool(
  'get_contact',
  { description: 'Read one contact', annotations: { readOnlyHint: true } },
  async () => ({ content: [{ type: 'text', text: '{"name":"Jane Roe","account":"Globex"}' }] }),
);
server.registerTool(
  'update_deal',
  { description: 'Change a deal', annotations: { readOnlyHint: false, destructiveHint: false } },
  async () => ({ content: [{ type: 'text', text: 'updated' }] }),
);
server.registerTool(
  'delete_contact',
  { description: 'Delete a contact', annotations: { destructiveHint: true } },
  async () => ({ content: [{ type: 'text', text: 'deleted' }] }),
);

server.connect(new StdioServerTransport()).catch((error) => {
  console.error(error);
  process.exit(1);
});
