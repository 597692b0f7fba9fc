import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PolicyEngine } from '@steward/policy';
import {
  makeOrg,
  makePolicy,
  signedBundle,
  enrolledState,
} from '../../../test-support/signed-bundles';
import { BundleManager, type BundleState } from '../../control-plane/bundle-manager';
import { preToolUse, userPromptSubmit, type HookInput } from './hook-decisions';
import { applyClaudeCode, lastClaudeCodeWrite } from './managed-writer';
import { managedFiles, rulePath } from './managed-settings';

const HOME = '/home/alice';
const context = { os: 'linux' as const, home: HOME };
const work = '/srv/work';

function usable(policy = makePolicy()): BundleState {
  return {
    usable: true,
    bundle: {
      policy,
      version: 3,
      expiresAt: '2030-01-01T00:00:00.000Z',
      telemetry: { redaction: { prompts: 'keep', commands: 'hash', paths: 'keep' } },
    } as never,
    engine: new PolicyEngine(policy),
  };
}

const governed = makePolicy(
  {
    capabilities: ['agent', 'connectors'],
    folderRoots: [{ pattern: work, access: 'read_write' }],
    connectorRules: [
      { connector: 'crm', read: 'allow', write: 'ask', tools: { send_email: 'deny' } },
    ],
  },
  { crm: { command: 'node', args: ['crm.js'], version: '1.0.0' } },
);

function decision(input: HookInput, state = usable(governed)) {
  return preToolUse({ cwd: work, ...input }, state, context).hookSpecificOutput;
}

describe('Claude Code hook decisions (libs/policy on the bundle in force)', () => {
  it('allows file tools in the granted folder and refuses them outside it and in the ceiling', () => {
    expect(
      decision({ tool_name: 'Read', tool_input: { file_path: `${work}/a.md` } }),
    ).toMatchObject({ permissionDecision: 'allow' });
    expect(decision({ tool_name: 'Write', tool_input: { file_path: 'b.md' } })).toMatchObject({
      permissionDecision: 'allow',
    });
    const outside = decision({ tool_name: 'Read', tool_input: { file_path: '/etc/passwd' } });
    expect(outside).toMatchObject({ permissionDecision: 'deny' });
    expect(outside.permissionDecisionReason).toMatch(/^Steward: read \/etc\/passwd: deny — /);
    expect(
      decision({ tool_name: 'Edit', tool_input: { file_path: `${HOME}/Downloads/x` } }),
    ).toMatchObject({ permissionDecision: 'deny' });
    // A search with no path searches the working folder; one climbing out is refused.
    expect(decision({ tool_name: 'Grep', tool_input: {} })).toMatchObject({
      permissionDecision: 'allow',
    });
    expect(decision({ tool_name: 'Glob', tool_input: { path: '../..' } })).toMatchObject({
      permissionDecision: 'deny',
    });
  });

  it('decides a symbolic link in the grant by where it points', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-cc-link-')));
    try {
      fs.mkdirSync(path.join(dir, 'grant'));
      fs.symlinkSync('/etc', path.join(dir, 'grant', 'etc'));
      const policy = makePolicy({
        folderRoots: [{ pattern: path.join(dir, 'grant'), access: 'read' }],
      });
      const through = preToolUse(
        { tool_name: 'Read', tool_input: { file_path: path.join(dir, 'grant', 'etc', 'passwd') } },
        usable(policy),
        context,
      );
      expect(through.hookSpecificOutput.permissionDecision).toBe('deny');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers MCP tools by the connector's rules: allow, ask, deny, unknown server denied", () => {
    expect(decision({ tool_name: 'mcp__crm__lookup_contact' }).permissionDecision).toBe('allow');
    const email = decision({ tool_name: 'mcp__crm__send_email' });
    expect(email.permissionDecision).toBe('deny');
    expect(email.permissionDecisionReason).toContain('send_email');
    expect(decision({ tool_name: 'mcp__shadow__exfiltrate' }).permissionDecision).toBe('deny');
  });

  it('gates the shell, the web and unknown tools by capability, and everything without a bundle', () => {
    expect(decision({ tool_name: 'Bash', tool_input: { command: 'ls' } })).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringContaining('shell'),
    });
    expect(decision({ tool_name: 'WebFetch' }).permissionDecision).toBe('deny');
    expect(decision({ tool_name: 'TodoWrite' }).permissionDecision).toBe('allow');
    expect(decision({ tool_name: 'Teleport' }).permissionDecision).toBe('deny');
    const none: BundleState = { usable: false, reason: 'access-revoked', detail: 'revoked' };
    expect(decision({ tool_name: 'TodoWrite' }, none)).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: 'Steward: no valid policy bundle (access-revoked)',
    });
  });

  it('refuses a prompt without the agent capability or with a hard limit exhausted', () => {
    expect(userPromptSubmit(usable(governed), null)).toEqual({});
    const noAgent = makePolicy({ capabilities: [] });
    expect(userPromptSubmit(usable(noAgent), null)).toMatchObject({ decision: 'block' });
    const exhausted = userPromptSubmit(usable(governed), {
      subjectType: 'group',
      period: 'day',
      limitUsd: '5',
      remainingUsd: '0',
      resetsAt: '2026-12-07T00:00:00.000Z',
    });
    expect(exhausted.reason).toBe(
      'Steward: the day hard spend limit of the group (5 USD) has 0 USD left; it resets at 2026-12-07T00:00:00.000Z',
    );
  });
});

describe("Claude Code's managed files from the bundle", () => {
  const ctx = {
    os: 'linux' as const,
    server: 'https://steward.example/',
    headersHelper: "'/usr/bin/node' '/opt/steward/main.js' otel-headers '/etc/claude-code/h.json'",
    hookUrl: 'http://127.0.0.1:4000/claude-code/hook',
    home: HOME,
    secretPaths: ['/var/lib/steward', '/etc/claude-code/h.json'],
  };

  it('translates folders, connectors and capabilities into managed rules, hooks and telemetry', () => {
    const { settings, mcp } = managedFiles(usable(governed), ctx);
    const permissions = settings.permissions as Record<string, string[]>;
    expect(permissions.allow).toEqual(
      expect.arrayContaining([
        'Read(//srv/work/**)',
        'Edit(//srv/work/**)',
        'mcp__crm__lookup_contact',
      ]),
    );
    expect(permissions.deny).toEqual(
      expect.arrayContaining(['Read(~/Downloads/**)', 'Bash', 'WebFetch', 'mcp__crm__send_email']),
    );
    expect(settings).toMatchObject({
      allowManagedPermissionRulesOnly: true,
      allowManagedHooksOnly: true,
      allowManagedMcpServersOnly: true,
      allowedMcpServers: [{ serverName: 'crm' }],
      permissions: { disableBypassPermissionsMode: 'disable' },
      hooks: { PreToolUse: [{ matcher: '*', hooks: [{ url: ctx.hookUrl, onFailure: 'block' }] }] },
      otelHeadersHelper: ctx.headersHelper,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://steward.example',
        OTEL_RESOURCE_ATTRIBUTES: 'steward.bundle.version=3',
        OTEL_LOG_USER_PROMPTS: '1',
        OTEL_LOG_TOOL_DETAILS: '0',
      },
    });
    expect(settings.env).not.toHaveProperty('OTEL_EXPORTER_OTLP_HEADERS');
    expect(settings).not.toHaveProperty('sandbox');
    expect(mcp).toEqual({
      mcpServers: { crm: { type: 'stdio', command: 'node', args: ['crm.js'] } },
    });
    const shell = managedFiles(
      usable(
        makePolicy({
          capabilities: ['agent', 'shell'],
          folderRoots: [{ pattern: work, access: 'read_write' }],
        }),
      ),
      ctx,
    );
    expect(shell.settings.sandbox).toMatchObject({
      enabled: true,
      failIfUnavailable: true,
      filesystem: {
        allowWrite: [work],
        denyRead: expect.arrayContaining([HOME, ...ctx.secretPaths, `${HOME}/Downloads`]),
        allowRead: [work],
        denyWrite: expect.arrayContaining(ctx.secretPaths),
      },
    });
  });

  it('writes deny-all files without a valid bundle', () => {
    const { settings, mcp } = managedFiles({ usable: false, reason: 'expired', detail: '' }, ctx);
    expect(settings.permissions).toMatchObject({ defaultMode: 'dontAsk', allow: [] });
    expect((settings.permissions as { deny: string[] }).deny).toEqual(
      expect.arrayContaining(['Read', 'Edit', 'Write', 'Bash', 'WebFetch', 'Agent']),
    );
    expect(mcp).toEqual({ mcpServers: {} });
  });

  it('writes rule paths the way Claude Code reads them on each system', () => {
    expect(rulePath('/srv/work', 'linux')).toBe('//srv/work/**');
    expect(rulePath('~/Work', 'macos')).toBe('~/Work/**');
    expect(rulePath('c:/users/alice/work', 'windows')).toBe('//c/users/alice/work/**');
    expect(rulePath('/', 'linux')).toBe('//**');
  });

  it('writes both files from the verified bundle, rewrites them on a new one, and records it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-cc-write-'));
    try {
      const org = makeOrg();
      const store = enrolledState(path.join(dir, 'state'), org);
      const enrolment = store.enrolment()!;
      const managed = path.join(dir, 'managed');
      const first = applyClaudeCode(store, enrolment, ctx.hookUrl, managed);
      expect(first).toMatchObject({ access: 'deny-all', bundleVersion: null });
      const bundles = new BundleManager(store, enrolment);
      expect(bundles.accept(signedBundle(org, governed, { version: 2 }), null).verified).toBe(true);
      const second = applyClaudeCode(store, enrolment, ctx.hookUrl, managed);
      expect(second).toMatchObject({ access: 'policy', bundleVersion: 2 });
      expect(lastClaudeCodeWrite(store)).toEqual(second);
      const written = JSON.parse(
        fs.readFileSync(path.join(managed, 'managed-settings.json'), 'utf8'),
      );
      expect(written.steward).toMatchObject({ access: 'policy', bundleVersion: 2 });
      expect(fs.statSync(path.join(managed, 'managed-mcp.json')).mode & 0o777).toBe(0o644);
      // The credential only in the headers file, which no other account can read.
      const headers = path.join(managed, 'otel-headers.json');
      expect(fs.statSync(headers).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(headers, 'utf8'))).toEqual({
        Authorization: `Bearer ${enrolment.credential}`,
      });
      for (const file of ['managed-settings.json', 'managed-mcp.json']) {
        expect(fs.readFileSync(path.join(managed, file), 'utf8')).not.toContain(
          enrolment.credential,
        );
      }
      expect(written.otelHeadersHelper).toContain(headers);
      expect(written.sandbox).toBeUndefined();
      expect(applyClaudeCode(store, enrolment, ctx.hookUrl, managed)).toEqual(second);
      expect(fs.readdirSync(managed).sort()).toEqual([
        'managed-mcp.json',
        'managed-settings.json',
        'otel-headers.json',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
