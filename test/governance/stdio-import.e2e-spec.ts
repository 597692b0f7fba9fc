import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';

const TINY_SERVER = path.join(__dirname, 'tiny-mcp-server.cjs');

// By default the API never runs a stdio connector's command: an admin's command line would run
// on the control plane. The catalogue is uploaded instead; HTTP connectors still import.
describe('stdio connector import (default: off)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('refuses to run the command, leaves the catalogue alone, and accepts an upload', async () => {
    expect(api.config.STEWARD_ALLOW_STDIO_IMPORT).toBe(false);
    const org = await api.get(OrganizationsService).create('Stdio Co', { type: 'operator' });
    const admin = await signInAdmin(api, org.id, 'admin');
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stdio-import-')), 'ran');
    // Would leave a marker file, then serve tools like a real server.
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); require(${JSON.stringify(TINY_SERVER)})`;
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
      {
        input: {
          name: 'crm',
          transport: 'stdio',
          command: process.execPath,
          args: ['-e', script],
          version: '1.0.0',
        },
      },
    );
    const id = created.data!.createConnector.id;

    const imported = await graphql(
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
    expect(imported.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'disabled',
    });
    expect(imported.errors?.[0]?.message).toMatch(/upload its tools\/list result as JSON/);
    expect(fs.existsSync(marker)).toBe(false);
    const untouched = await graphql<{
      connector: { tools: unknown[]; importedAt: string | null; serverImport: boolean };
    }>(
      api,
      admin,
      'query($id: ID!) { connector(id: $id) { tools { name } importedAt serverImport } }',
      {
        id,
      },
    );
    // The console offers only the upload for it.
    expect(untouched.data?.connector).toEqual({ tools: [], importedAt: null, serverImport: false });

    const uploaded = await graphql<{ uploadConnectorTools: { added: string[] } }>(
      api,
      admin,
      `
        mutation ($id: ID!, $json: String!) {
          uploadConnectorTools(id: $id, catalogue: $json) {
            added
          }
        }
      `,
      {
        id,
        json: JSON.stringify({
          tools: [{ name: 'find_contact', annotations: { readOnlyHint: true } }],
        }),
      },
    );
    expect(uploaded.errors).toBeUndefined();
    expect(uploaded.data?.uploadConnectorTools.added).toEqual(['find_contact']);
  });
});
