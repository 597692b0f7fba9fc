import fs from 'node:fs';
import path from 'node:path';
import { describeVariables } from '../apps/admin-api/src/config/config';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

function readmeTable(): Map<string, string> {
  const rows = [...readme.matchAll(/^\| `([A-Z_]+)` +\| (.+?) +\| .+ \|$/gm)];
  return new Map(rows.map(([, name, defaultCell]) => [name, defaultCell.replace(/`/g, '')]));
}

// The README is the operator's manual: its configuration table must name every variable the code
// reads, with the code's defaults, and nothing else.
describe('README', () => {
  it('documents exactly the configuration the code reads, with its defaults', () => {
    const table = readmeTable();
    const variables = describeVariables();
    expect([...table.keys()].sort()).toEqual(variables.map((v) => v.name).sort());
    for (const variable of variables) {
      if (variable.default !== undefined) expect(table.get(variable.name)).toBe(variable.default);
    }
  });

  it('gives the two commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
