import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AgentEvent } from '@steward/telemetry';
import type { RoleSource } from '@steward/policy';
import { BundleManager } from '../control-plane/bundle-manager';
import { EventSpool } from '../control-plane/event-spool';
import { parseGrant } from '../tools/files/granted-folders';
import { FixedApprover } from '../../test-support/fixed-approver';
import { ScriptedModel, type Script } from './models/scripted-model';
import { SessionRefused, runSession, type SessionEnvironment } from './session-runner';
import {
  enrolledState,
  makeOrg,
  makePolicy,
  signedBundle,
  type TestOrg,
} from '../../test-support/signed-bundles';

const CRM_SERVER = path.join(__dirname, '../../test-support/mcp-crm-server.cjs');

describe('session runner under a verified bundle (attack tests)', () => {
  let base: string;
  let work: string;
  let org: TestOrg;
  let callLog: string;
  let lines: string[];

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-session-')));
    work = path.join(base, 'work');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'notes.md'), 'quarterly notes');
    fs.mkdirSync(path.join(base, 'outside'));
    fs.writeFileSync(path.join(base, 'outside', 'secret.txt'), 'SECRET');
    callLog = path.join(base, 'crm-calls.log');
    fs.writeFileSync(callLog, '');
    org = makeOrg();
    lines = [];
  });

  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  function environment(
    role: Partial<Omit<RoleSource, 'id' | 'name'>>,
    options: {
      autoApprove?: boolean;
      attended?: boolean;
      answer?: boolean;
      header?: Parameters<typeof signedBundle>[2];
      // The crm server's pinned version in the bundle; null: the bundle names no address.
      crmVersion?: string | null;
      webHosts?: string[];
    } = {},
  ): SessionEnvironment {
    const store = enrolledState(path.join(base, 'state'), org);
    const bundles = new BundleManager(store, store.enrolment()!);
    const accepted = bundles.accept(
      signedBundle(
        org,
        makePolicy(role, {
          autoApprove: options.autoApprove,
          ...(options.crmVersion === null
            ? {}
            : {
                crm: {
                  command: process.execPath,
                  args: [CRM_SERVER, callLog],
                  version: options.crmVersion ?? '1.0.0',
                },
              }),
          webHosts: options.webHosts,
        }),
        options.header,
      ),
      '"1"',
    );
    expect(accepted.verified).toBe(true);
    return {
      enrolment: store.enrolment()!,
      bundle: bundles.current(),
      sink: new EventSpool(store.spoolDir()),
      approver: new FixedApprover(options.attended ?? false, options.answer ?? false),
      json: { write: (line) => void lines.push(line) },
      log: () => undefined,
    };
  }

  const events = () =>
    lines.map((line) => JSON.parse(line) as AgentEvent | { type: 'step.result' });
  const toolEvents = () =>
    events().filter(
      (e): e is Extract<AgentEvent, { type: 'tool.called' }> => e.type === 'tool.called',
    );

  function script(steps: Script['steps']) {
    return new ScriptedModel({ steps });
  }

  it('runs a scripted session end to end, with one JSON line per event', async () => {
    const env = environment(
      { capabilities: ['agent', 'auto_approve_plans'] },
      { autoApprove: true },
    );
    const outcome = await runSession(
      {
        task: 'summarise',
        grants: [parseGrant(work)],
        approve: 'auto',
        model: script([
          { tool: 'read_file', input: { path: 'notes.md' } },
          { tool: 'write_file', input: { path: 'summary.md', content: 'short' } },
          { final: 'done' },
        ]),
      },
      env,
    );
    expect(outcome).toMatchObject({ outcome: 'completed', final: 'done', toolCalls: 2 });
    expect(events().map((e) => e.type)).toEqual([
      'session.started',
      'plan.approved',
      'file.read',
      'tool.called',
      'step.result',
      'file.modified',
      'tool.called',
      'step.result',
      'step.result',
      'session.ended',
    ]);
    expect(events()[1]).toMatchObject({ source: 'auto' });
    expect(toolEvents().map((e) => [e.tool, e.decision, e.outcome])).toEqual([
      ['read_file', 'allow', 'ok'],
      ['write_file', 'allow', 'ok'],
    ]);
    expect(events()[4]).toMatchObject({ ok: true, result: 'quarterly notes' });
    expect(fs.readFileSync(path.join(work, 'summary.md'), 'utf8')).toBe('short');
    expect(new EventSpool(path.join(base, 'state', 'spool')).stats().pending).toBe(7);
  });

  it('spools events redacted as the bundle says, while the person sees them whole', async () => {
    const env = environment(
      { capabilities: ['agent', 'auto_approve_plans'] },
      {
        autoApprove: true,
        header: {
          telemetry: {
            controlPlane: true,
            otlp: null,
            redaction: { prompts: 'drop', commands: 'hash', paths: 'drop' },
          },
        },
      },
    );
    await runSession(
      {
        task: 'summarise the merger memo',
        grants: [parseGrant(work)],
        approve: 'auto',
        model: script([{ tool: 'read_file', input: { path: 'notes.md' } }, { final: 'done' }]),
      },
      env,
    );
    expect(lines.join('')).toContain('merger memo');
    const spoolDir = path.join(base, 'state', 'spool');
    const spooled = fs
      .readdirSync(spoolDir)
      .map((name) => fs.readFileSync(path.join(spoolDir, name), 'utf8'))
      .join('');
    expect(spooled).not.toContain('merger memo');
    expect(spooled).not.toContain(work);
    expect(spooled).toMatch(/"parameters":"hmac-sha256:[0-9a-f]{64}"/);
  });

  it('refuses auto-approval where the bundle does not allow it, and prompts otherwise', async () => {
    const refused = await runSession(
      { task: 't', grants: [parseGrant(work)], approve: 'auto', model: script([{ final: 'x' }]) },
      environment({ capabilities: ['agent', 'auto_approve_plans'] }, { autoApprove: false }),
    );
    expect(refused).toMatchObject({ outcome: 'refused', reason: /auto-approval is not allowed/ });

    const unattended = await runSession(
      { task: 't', grants: [parseGrant(work)], approve: 'prompt', model: script([{ final: 'x' }]) },
      environment({ capabilities: ['agent'] }, { attended: false }),
    );
    expect(unattended).toMatchObject({ outcome: 'refused', reason: /no one can approve/ });

    lines = [];
    const approved = await runSession(
      { task: 't', grants: [parseGrant(work)], approve: 'prompt', model: script([{ final: 'x' }]) },
      environment({ capabilities: ['agent'] }, { attended: true, answer: true }),
    );
    expect(approved.outcome).toBe('completed');
    expect(events().find((e) => e.type === 'plan.approved')).toMatchObject({ source: 'manual' });
  });

  it('refuses folders the organization forbids, and read-write grants of read-only roots', async () => {
    const home = os.homedir();
    const forbidden = await runSession(
      { task: 't', grants: [parseGrant(home)], approve: 'prompt', model: script([{ final: 'x' }]) },
      environment({ capabilities: ['agent'] }, { attended: true, answer: true }),
    );
    expect(forbidden).toMatchObject({ outcome: 'refused', reason: /may not be granted/ });
    expect(events().find((e) => e.type === 'policy.violation')).toMatchObject({
      kind: 'folder_grant',
      target: home,
    });

    const readOnlyRoot = await runSession(
      { task: 't', grants: [parseGrant(work)], approve: 'prompt', model: script([{ final: 'x' }]) },
      environment(
        { capabilities: ['agent'], folderRoots: [{ pattern: work, access: 'read' }] },
        { attended: true, answer: true },
      ),
    );
    expect(readOnlyRoot).toMatchObject({ outcome: 'refused' });
    lines = [];
    const asReadOnly = await runSession(
      {
        task: 't',
        grants: [parseGrant(`${work}:ro`)],
        approve: 'prompt',
        model: script([
          { tool: 'read_file', input: { path: 'notes.md' } },
          { tool: 'write_file', input: { path: 'x.md', content: 'x' } },
          { tool: 'read_file', input: { path: '../outside/secret.txt' } },
          { tool: 'read_file', input: { path: path.join(base, 'outside', 'secret.txt') } },
          { final: 'x' },
        ]),
      },
      environment(
        { capabilities: ['agent'], folderRoots: [{ pattern: work, access: 'read' }] },
        { attended: true, answer: true },
      ),
    );
    expect(asReadOnly.outcome).toBe('completed');
    expect(toolEvents().map((e) => [e.decision, e.outcome])).toEqual([
      ['allow', 'ok'],
      ['deny', 'refused'],
      ['deny', 'refused'],
      ['deny', 'refused'],
    ]);
    expect(lines.join('')).not.toContain('SECRET');
    expect(fs.existsSync(path.join(work, 'x.md'))).toBe(false);
  });

  it("refuses a grant that overlaps the runtime's own state directory", async () => {
    const env = environment({ capabilities: ['agent'] }, { attended: true, answer: true });
    const stateDir = path.join(base, 'state');
    for (const folder of [base, stateDir]) {
      const outcome = await runSession(
        {
          task: 't',
          grants: [parseGrant(folder)],
          approve: 'prompt',
          model: script([{ final: 'x' }]),
        },
        { ...env, stateDir },
      );
      expect(outcome).toMatchObject({ outcome: 'refused', reason: /runtime's own state/ });
    }
  });

  it('gates whole tools by capability and refuses tools outside the catalogue', async () => {
    const outcome = await runSession(
      {
        task: 't',
        grants: [parseGrant(work)],
        approve: 'prompt',
        model: script([
          { tool: 'shell', input: { command: 'cat /etc/passwd' } },
          { tool: 'mcp', input: { connector: 'crm', tool: 'lookup_contact', arguments: {} } },
          { tool: 'computer_use', input: {} },
          { final: 'x' },
        ]),
      },
      environment({ capabilities: ['agent'] }, { attended: true, answer: true }),
    );
    expect(outcome.outcome).toBe('completed');
    expect(toolEvents().map((e) => [e.tool, e.decision, e.rule])).toEqual([
      ['shell', 'deny', 'capability:shell:missing'],
      ['mcp', 'deny', 'capability:connectors:missing'],
      ['computer_use', 'deny', 'tool:not_in_runtime_catalogue'],
    ]);
    expect(fs.readFileSync(callLog, 'utf8')).toBe('');
  });

  it('decides each MCP call per connector and tool: write denied, ask unattended, off-list', async () => {
    const outcome = await runSession(
      {
        task: 't',
        grants: [parseGrant(work)],
        approve: 'auto',
        model: script([
          {
            tool: 'mcp',
            input: { connector: 'crm', tool: 'lookup_contact', arguments: { name: 'Ann' } },
          },
          { tool: 'mcp', input: { connector: 'crm', tool: 'send_email', arguments: { to: 'x' } } },
          { tool: 'mcp', input: { connector: 'crm', tool: 'delete_everything', arguments: {} } },
          { tool: 'mcp', input: { connector: 'payroll', tool: 'export', arguments: {} } },
          { final: 'x' },
        ]),
      },
      environment(
        {
          capabilities: ['agent', 'connectors', 'auto_approve_plans'],
          connectorRules: [{ connector: 'crm', read: 'allow', write: 'deny' }],
        },
        { autoApprove: true },
      ),
    );
    expect(outcome.outcome).toBe('completed');
    expect(toolEvents().map((e) => [e.mcpTool, e.access, e.decision, e.outcome])).toEqual([
      ['lookup_contact', 'read', 'allow', 'ok'],
      ['send_email', 'write', 'deny', 'refused'],
      ['delete_everything', 'write', 'deny', 'refused'],
      ['export', 'write', 'deny', 'refused'],
    ]);
    expect(toolEvents()[2]!.rule).toMatch(/unknown/);
    expect(toolEvents()[3]!.rule).toMatch(/not_allowed/);
    expect(fs.readFileSync(callLog, 'utf8')).toBe('lookup_contact {"name":"Ann"}\n');

    lines = [];
    await runSession(
      {
        task: 't',
        grants: [parseGrant(work)],
        approve: 'auto',
        model: script([
          { tool: 'mcp', input: { connector: 'crm', tool: 'send_email', arguments: { to: 'x' } } },
          { final: 'x' },
        ]),
      },
      environment(
        {
          capabilities: ['agent', 'connectors', 'auto_approve_plans'],
          connectorRules: [{ connector: 'crm', read: 'allow', write: 'ask' }],
        },
        { autoApprove: true, attended: false },
      ),
    );
    expect(toolEvents()[0]).toMatchObject({
      decision: 'ask',
      approvalSource: 'unattended',
      outcome: 'refused',
    });
    expect(fs.readFileSync(callLog, 'utf8')).toBe('lookup_contact {"name":"Ann"}\n');
  });

  it('calls a connector only at the address the bundle names, and only at its pinned version', async () => {
    const lookup = (name: string) =>
      script([
        { tool: 'mcp', input: { connector: 'crm', tool: 'lookup_contact', arguments: { name } } },
        { final: 'x' },
      ]);
    const role = {
      capabilities: ['agent', 'connectors', 'auto_approve_plans'],
      connectorRules: [{ connector: 'crm', read: 'allow' as const, write: 'deny' as const }],
    };
    const run = (name: string, crmVersion: string | null) =>
      runSession(
        { task: 't', grants: [parseGrant(work)], approve: 'auto', model: lookup(name) },
        environment(role, { autoApprove: true, crmVersion }),
      );

    await run('Ann', '1.0.0');
    // The bundle's command and arguments started the server: it logged the call where told.
    expect(fs.readFileSync(callLog, 'utf8')).toBe('lookup_contact {"name":"Ann"}\n');

    lines = [];
    await run('Bob', null);
    expect(toolEvents()[0]).toMatchObject({
      decision: 'deny',
      rule: 'connector:crm:no_address',
      outcome: 'refused',
    });

    lines = [];
    await run('Cy', '2.0.0');
    expect(toolEvents()[0]).toMatchObject({
      decision: 'deny',
      rule: 'connector:crm:version',
      outcome: 'refused',
    });
    expect(events()).toContainEqual(
      expect.objectContaining({ type: 'policy.violation', kind: 'connector' }),
    );
    expect(fs.readFileSync(callLog, 'utf8')).toBe('lookup_contact {"name":"Ann"}\n');
  });

  it("gives shell commands only the bundle's network: its hosts with web access, none without", async () => {
    const reached: string[] = [];
    const server = http.createServer((req, res) => {
      reached.push(req.headers.host ?? '');
      res.end('reached');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const fetch = (host: string) => ({
      tool: 'shell',
      input: { command: `curl -fsS -m 5 --noproxy '' http://${host}:${port}/` },
    });
    const run = (capabilities: string[]) =>
      runSession(
        {
          task: 't',
          grants: [parseGrant(work)],
          approve: 'auto',
          model: script([fetch('localhost'), fetch('127.0.0.1'), { final: 'x' }]),
        },
        environment(
          { capabilities: ['agent', 'auto_approve_plans', ...capabilities] },
          { autoApprove: true, webHosts: ['localhost'] },
        ),
      );
    const shellOutputs = () =>
      lines
        .map((line) => JSON.parse(line) as { type: string; tool?: string; result?: string })
        .filter((e) => e.type === 'step.result' && e.tool === 'shell')
        .map((e) => (JSON.parse(e.result!) as { stdout: string }).stdout);
    try {
      await run(['shell']);
      expect(shellOutputs()).toEqual(['', '']);
      expect(reached).toEqual([]);

      lines = [];
      await run(['shell', 'web']);
      expect(shellOutputs()).toEqual(['reached', '']);
      expect(reached).toEqual([`localhost:${port}`]);
    } finally {
      server.close();
    }
  });

  it('refuses to start without a usable bundle, saying why', async () => {
    const store = enrolledState(path.join(base, 'no-bundle-state'), org);
    const bundles = new BundleManager(store, store.enrolment()!);
    const request = {
      task: 't',
      grants: [parseGrant(work)],
      approve: 'prompt' as const,
      model: script([{ final: 'x' }]),
    };
    const env = { ...environment({}), bundle: bundles.current() };
    await expect(runSession(request, env)).rejects.toThrow(SessionRefused);
    const revoked = new BundleManager(store, store.enrolment()!);
    revoked.accept(signedBundle(org, makePolicy(), { version: 9, access: 'revoked' }), null);
    await expect(runSession(request, { ...env, bundle: revoked.current() })).rejects.toThrow(
      /revoked your access/,
    );
  });
});
