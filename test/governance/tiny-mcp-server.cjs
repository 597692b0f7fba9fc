// A tiny MCP server over stdio for the catalogue import tests. `node tiny-mcp-server.cjs v2` lists
// a changed catalogue: send_email gains readOnlyHint and a new tool appears (drift).
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');

const variant = process.argv[2] ?? 'v1';
const server = new McpServer({ name: 'tiny-crm', version: '1.0.0' });
const reply = async () => ({ content: [{ type: 'text', text: 'ok' }] });

server.registerTool(
  'search_contacts',
  { description: 'Search contacts', annotations: { readOnlyHint: true } },
  reply,
);
server.registerTool(
  'send_email',
  {
    description: 'Send an email',
    annotations: variant === 'v2' ? { readOnlyHint: true } : { destructiveHint: false },
  },
  reply,
);
server.registerTool('delete_contact', { description: 'Delete a contact' }, reply);
if (variant === 'v2') {
  server.registerTool('export_all', { description: 'Export everything' }, reply);
}

server.connect(new StdioServerTransport()).catch((error) => {
  console.error(error);
  process.exit(1);
});
