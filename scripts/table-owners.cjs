#!/usr/bin/env node
// The table-owner check of `npm run check`: each table of prisma/schema.prisma has one owning
// module (docs/architecture.md lists them), and only that module's repositories (`*.repository.ts`
// below its folder) may query it. A query is a Prisma model delegate read off a database client
// (`tx.auditEvent`, `this.prisma.forOrganization(id).spendLimit`: a property named after a model,
// on an object that has `$executeRaw`) or raw SQL naming the table (`"AuditEvent"` inside a string
// or template). Tests and benchmarks are not checked: they set up and inspect any table.
//
// It type-checks the API's sources (the delegate test needs types), so it runs as a script rather
// than as a lint rule: typed linting of the whole tree costs a full program per ESLint run.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const SOURCE_ROOT = 'apps/admin-api/src';

// `| \`Model\` | \`modules/x\` | why |` rows of the owner table, between its two markers.
function readOwnerMap(markdown) {
  const start = markdown.indexOf('<!-- table-owners:start -->');
  const end = markdown.indexOf('<!-- table-owners:end -->');
  if (start < 0 || end < start) throw new Error('docs/architecture.md has no table-owners block');
  const owners = new Map();
  for (const line of markdown.slice(start, end).split('\n')) {
    const match = /^\|\s*`(\w+)`\s*\|\s*`([\w/-]+)`\s*\|/.exec(line);
    if (!match) continue;
    if (owners.has(match[1])) throw new Error(`${match[1]} has two owners`);
    owners.set(match[1], match[2]);
  }
  return owners;
}

function readModels(schema) {
  return [...schema.matchAll(/^model\s+(\w+)\s*\{/gm)].map((match) => match[1]);
}

const delegateName = (model) => model[0].toLowerCase() + model.slice(1);

// Whether `file` (relative to the API's source root) is a repository of the owning folder.
function isRepositoryOf(file, owner) {
  return file.startsWith(`${owner}/`) && file.endsWith('.repository.ts');
}

// Every model a source file queries: [{model, line, how}].
function tableUses(sourceFile, checker, models) {
  const byDelegate = new Map(models.map((model) => [delegateName(model), model]));
  const quoted = new RegExp(`"(${models.join('|')})"`, 'g');
  const uses = [];
  const at = (node) => sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
  const visit = (node) => {
    if (ts.isPropertyAccessExpression(node) && byDelegate.has(node.name.text)) {
      const receiver = checker.getTypeAtLocation(node.expression);
      if (checker.getPropertyOfType(receiver, '$executeRaw')) {
        uses.push({ model: byDelegate.get(node.name.text), line: at(node), how: 'client' });
      }
    }
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      for (const match of node.text.matchAll(quoted)) {
        uses.push({ model: match[1], line: at(node), how: 'sql' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return uses;
}

function sourceFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'generated') walk(full);
      } else if (/\.ts$/.test(entry.name) && !/\.(e2e-)?spec\.ts$/.test(entry.name)) {
        out.push(full);
      }
    }
  };
  walk(root);
  return out;
}

// Every query of a table outside its owner's repositories, and every schema model without an owner.
function findViolations({ files, compilerOptions, sourceRoot, models, owners }) {
  const problems = models
    .filter((model) => !owners.has(model))
    .map((model) => `${model}: no owner in docs/architecture.md`);
  const program = ts.createProgram(files, compilerOptions);
  const checker = program.getTypeChecker();
  for (const file of files) {
    const relative = path.relative(sourceRoot, file).split(path.sep).join('/');
    const sourceFile = program.getSourceFile(file);
    for (const use of tableUses(sourceFile, checker, models)) {
      const owner = owners.get(use.model);
      if (owner && isRepositoryOf(relative, owner)) continue;
      problems.push(
        `${relative}:${use.line}: ${use.how === 'sql' ? 'SQL names' : 'queries'} ${use.model}, owned by ${owner ?? 'nobody'}`,
      );
    }
  }
  return problems;
}

function compilerOptionsOf(tsconfigPath) {
  const { config } = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(tsconfigPath));
  return { ...parsed.options, noEmit: true };
}

function main() {
  // The delegate test needs the generated client's types (`npm run check` builds it first).
  if (!fs.existsSync(path.join(ROOT, SOURCE_ROOT, 'generated/prisma/client.ts'))) {
    throw new Error('the Prisma client is not generated: run node scripts/build.mjs first');
  }
  const owners = readOwnerMap(fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'));
  const models = readModels(fs.readFileSync(path.join(ROOT, 'prisma/schema.prisma'), 'utf8'));
  const sourceRoot = path.join(ROOT, SOURCE_ROOT);
  const problems = findViolations({
    files: sourceFiles(sourceRoot),
    compilerOptions: compilerOptionsOf(path.join(ROOT, 'tsconfig.json')),
    sourceRoot,
    models,
    owners,
  });
  // Queries known before the check existed (issue 20 moves them): reported, not failing. The list
  // only shrinks; a file or table not on it fails at once.
  const known = new Set(require('./table-owners.known.json'));
  const fresh = problems.filter((problem) => !known.has(withoutLine(problem)));
  for (const problem of problems)
    console.error(`${fresh.includes(problem) ? '' : 'known: '}${problem}`);
  if (fresh.length) {
    console.error(`table owners: ${fresh.length} queries outside the owning repository`);
    process.exitCode = 1;
  }
}

const withoutLine = (problem) => problem.replace(/:\d+:/, ':');

module.exports = { readOwnerMap, readModels, isRepositoryOf, findViolations };

if (require.main === module) main();
