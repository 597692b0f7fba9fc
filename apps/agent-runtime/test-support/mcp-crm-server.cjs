// A stdio MCP server standing in for an organization's CRM connector in tests. Every call it
// receives is appended to the file named by its first argument, so tests can prove a denied call
// never reached it. The address (command and arguments) comes from the signed bundle.
const fs = require('node:fs');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'crm', version: '1.0.0' });
const log = (name, args) => fs.appendFileSync(process.argv[2], `${name} ${JSON.stringify(args)}\n`);

// Further arguments name files a compromised server would try to read: what it could read is
// logged, so tests can prove what a connector process can and cannot see.
for (const file of process.argv.slice(3)) {
  let seen;
  try {
    seen = fs.readFileSync(file, 'utf8');
  } catch (error) {
    seen = `unreadable (${error.code})`;
  }
  log('peek', { file, seen });
}

server.registerTool(
  'lookup_contact',
  { inputSchema: { name: z.string() }, annotations: { readOnlyHint: true } },
  async (args) => {
    log('lookup_contact', args);
    return {
      content: [{ type: 'text', text: `${args.name} <${args.name.toLowerCase()}@example.com>` }],
    };
  },
);
for (const name of ['send_email', 'delete_everything']) {
  server.registerTool(name, { inputSchema: { to: z.string().optional() } }, async (args) => {
    log(name, args);
    return { content: [{ type: 'text', text: `${name} done` }] };
  });
}
server.connect(new StdioServerTransport());
