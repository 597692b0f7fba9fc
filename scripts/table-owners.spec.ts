import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const owners = require('./table-owners.cjs') as {
  readOwnerMap(markdown: string): Map<string, string>;
  readModels(schema: string): string[];
  findViolations(input: {
    files: string[];
    compilerOptions: ts.CompilerOptions;
    sourceRoot: string;
    models: string[];
    owners: Map<string, string>;
  }): string[];
};

const CLIENT = `
export class Client {
  $executeRaw(): number { return 0; }
  auditEvent = { findMany: () => [] };
  spendLimit = { findMany: () => [] };
  forOrganization(_id: string): Client { return this; }
}
`;

// A tiny source tree: a fake Prisma-like client, and the files of two modules that use it.
function check(files: Record<string, string>): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'table-owners-'));
  try {
    const all = { 'platform/client.ts': CLIENT, ...files };
    const paths = Object.entries(all).map(([name, text]) => {
      const full = path.join(root, name);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
      return full;
    });
    return owners.findViolations({
      files: paths,
      compilerOptions: { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022 },
      sourceRoot: root,
      models: ['AuditEvent', 'SpendLimit'],
      owners: new Map([
        ['AuditEvent', 'modules/audit'],
        ['SpendLimit', 'modules/spend'],
      ]),
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const uses = (body: string) =>
  `import { Client } from '../../platform/client';\nexport function f(db: Client) {\n${body}\n}\n`;

describe('table-owners check', () => {
  it('lets the owning repository query its tables, by client and by SQL', () => {
    expect(
      check({
        'modules/audit/audit.repository.ts': uses(
          'db.auditEvent.findMany(); db.forOrganization("o").auditEvent.findMany(); return `SELECT 1 FROM "AuditEvent"`;',
        ),
      }),
    ).toEqual([]);
  });

  it("fails a module's service querying its own table, and another module's repository", () => {
    expect(
      check({
        'modules/audit/audit.service.ts': uses('return db.auditEvent.findMany();'),
        'modules/spend/spend.repository.ts': uses(
          'const sql = `SELECT * FROM "AuditEvent" WHERE x = ${1}`; return [sql, db.forOrganization("o").auditEvent];',
        ),
      }),
    ).toEqual([
      'modules/audit/audit.service.ts:3: queries AuditEvent, owned by modules/audit',
      'modules/spend/spend.repository.ts:3: SQL names AuditEvent, owned by modules/audit',
      'modules/spend/spend.repository.ts:3: queries AuditEvent, owned by modules/audit',
    ]);
  });

  it('ignores a same-named property of something that is not a database client', () => {
    expect(
      check({
        'modules/spend/spend.service.ts':
          'export const f = (row: { auditEvent: number }) => row.auditEvent + ("AuditEvent" ? 1 : 0);',
      }),
    ).toEqual([]);
  });

  it('reads the owner table and reports a model without an owner', () => {
    const map = owners.readOwnerMap(
      [
        '<!-- table-owners:start -->',
        '| Table | Owner | What |',
        '| `AuditEvent` | `modules/audit` | the log |',
        '<!-- table-owners:end -->',
      ].join('\n'),
    );
    expect([...map]).toEqual([['AuditEvent', 'modules/audit']]);
    expect(owners.readModels('model AuditEvent {\n}\nmodel SpendLimit {\n}')).toEqual([
      'AuditEvent',
      'SpendLimit',
    ]);
    expect(
      owners.findViolations({
        files: [],
        compilerOptions: {},
        sourceRoot: '/',
        models: ['AuditEvent', 'SpendLimit'],
        owners: map,
      }),
    ).toEqual(['SpendLimit: no owner in docs/architecture.md']);
  });
});
