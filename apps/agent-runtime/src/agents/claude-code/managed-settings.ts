import {
  FOLDER_FORBID_SUBTREE,
  FOLDER_READ,
  FOLDER_READ_WRITE,
  type OperatingSystem,
  type VerifiedBundle,
} from '@steward/policy';
import type { BundleState } from '../../control-plane/bundle-manager';

// Claude Code's managed settings and managed MCP file, translated from the bundle in force
// (docs/governed-agents.md). Nothing here decides: the live decisions come from the hook, which
// asks libs/policy; these files are the same policy in Claude Code's own terms, so it holds even
// where the hook is not asked (Claude Code's permission rules, sandbox and MCP server set), and they
// point Claude Code at the hook and at Steward's OTLP receiver.

export interface ManagedContext {
  os: OperatingSystem;
  // The control plane: its OTLP receiver is at /v1/logs and /v1/metrics.
  server: string;
  // The command Claude Code runs for its exporter's headers (otelHeadersHelper), which carry this
  // endpoint's credential. The credential is never in `env`, which Claude Code hands to every Bash
  // and MCP child process, nor in these files, which every account reads.
  headersHelper: string;
  // Where `steward-agent sync` answers Claude Code's hooks.
  hookUrl: string;
  // The governed person's home folder (from the user database) and the places holding Steward's
  // state and secrets: sandboxed commands read none of them outside the grants.
  home: string;
  secretPaths: string[];
}

export interface ManagedFiles {
  settings: Record<string, unknown>;
  mcp: { mcpServers: Record<string, unknown> };
}

// Claude Code's built-in tools, by what the policy says about them.
const FILE_TOOLS = ['Read', 'Edit', 'Write', 'Glob', 'Grep', 'NotebookEdit'];
const SHELL_TOOLS = ['Bash', 'PowerShell'];
const WEB_TOOLS = ['WebFetch', 'WebSearch'];
// Timeouts in seconds: a decision is local and fast; a prompt check may ask the control plane.
const TOOL_HOOK_TIMEOUT_S = 10;
const PROMPT_HOOK_TIMEOUT_S = 15;

export function managedFiles(state: BundleState, context: ManagedContext): ManagedFiles {
  return state.usable ? policyFiles(state.bundle, context) : denyAllFiles(context, state.reason);
}

// No valid bundle (none yet, expired, revoked, refused): every tool and every MCP server refused,
// and the hooks (which deny too) kept, so nothing runs until a valid bundle arrives.
function denyAllFiles(context: ManagedContext, reason: string): ManagedFiles {
  return {
    settings: {
      ...lockdown(context, null),
      permissions: {
        allow: [],
        ask: [],
        deny: [...FILE_TOOLS, ...SHELL_TOOLS, ...WEB_TOOLS, 'Agent', 'Task', 'Skill'],
        defaultMode: 'dontAsk',
        disableBypassPermissionsMode: 'disable',
      },
      steward: { access: 'deny-all', reason },
    },
    mcp: { mcpServers: {} },
  };
}

function policyFiles(bundle: VerifiedBundle, context: ManagedContext): ManagedFiles {
  const { policy } = bundle;
  const granted = (capability: string) =>
    policy.active && policy.capabilities.agent !== undefined && capability in policy.capabilities;
  const rules = { allow: [] as string[], ask: [] as string[], deny: [] as string[] };
  for (const [prefix, code] of policy.folders[context.os]) {
    const pattern = rulePath(prefix, context.os);
    if (code === FOLDER_FORBID_SUBTREE) rules.deny.push(`Read(${pattern})`, `Edit(${pattern})`);
    if (code === FOLDER_READ || code === FOLDER_READ_WRITE) rules.allow.push(`Read(${pattern})`);
    if (code === FOLDER_READ_WRITE) rules.allow.push(`Edit(${pattern})`);
  }
  if (!granted('shell')) rules.deny.push(...SHELL_TOOLS);
  if (!granted('web')) rules.deny.push(...WEB_TOOLS);
  if (!granted('skills')) rules.deny.push('Skill');
  const servers: Record<string, unknown> = {};
  for (const [connector, [names, codes]] of Object.entries(policy.tools)) {
    const address = policy.connectors[connector];
    if (!address || !granted('connectors')) continue;
    servers[connector] =
      address.transport === 'stdio'
        ? { type: 'stdio', command: address.command, args: address.args }
        : { type: 'http', url: address.url };
    names.forEach((tool, i) => {
      // Tool code: decision in the low two bits (0 allow, 1 ask, 2 deny); see compiled.ts.
      const decision = (['allow', 'ask', 'deny'] as const)[codes[i]! & 3]!;
      rules[decision].push(`mcp__${connector}__${tool}`);
    });
  }
  return {
    settings: {
      ...lockdown(context, bundle),
      permissions: {
        ...rules,
        defaultMode: 'default',
        disableBypassPermissionsMode: 'disable',
      },
      allowedMcpServers: Object.keys(servers).map((serverName) => ({ serverName })),
      ...(granted('shell') ? { sandbox: sandboxOf(bundle, context) } : {}),
      steward: { access: 'policy', bundleVersion: bundle.version, expiresAt: bundle.expiresAt },
    },
    mcp: { mcpServers: servers },
  };
}

// What holds whatever the bundle says: only these managed rules, hooks and MCP servers count, no
// bypass or auto mode, the hooks on every tool call and prompt (blocking when they cannot be
// asked), and telemetry to Steward under this endpoint's credential.
function lockdown(context: ManagedContext, bundle: VerifiedBundle | null) {
  const hook = (timeout: number) => [
    { type: 'http', url: context.hookUrl, timeout, onFailure: 'block' },
  ];
  return {
    allowManagedPermissionRulesOnly: true,
    allowManagedHooksOnly: true,
    allowManagedMcpServersOnly: true,
    disableAutoMode: 'disable',
    hooks: {
      PreToolUse: [{ matcher: '*', hooks: hook(TOOL_HOOK_TIMEOUT_S) }],
      UserPromptSubmit: [{ hooks: hook(PROMPT_HOOK_TIMEOUT_S) }],
    },
    otelHeadersHelper: context.headersHelper,
    env: telemetryEnv(context, bundle),
  };
}

function telemetryEnv(context: ManagedContext, bundle: VerifiedBundle | null) {
  const redaction = bundle?.telemetry.redaction;
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: context.server.replace(/\/+$/, ''),
    OTEL_RESOURCE_ATTRIBUTES: `steward.bundle.version=${bundle?.version ?? 0}`,
    // Prompt text and tool details (which name MCP servers and tools) only where the bundle keeps
    // prompts and commands; Claude Code sends "<REDACTED>" otherwise.
    OTEL_LOG_USER_PROMPTS: redaction?.prompts === 'keep' ? '1' : '0',
    OTEL_LOG_TOOL_DETAILS: redaction?.commands === 'keep' ? '1' : '0',
  };
}

// Where the shell is allowed, Claude Code runs it in its sandbox: writes only in the read-write
// roots; reads denied in the whole home, Steward's state and secrets and the forbidden folders,
// with the granted roots readable again inside them (a denial nested in a grant still holds: the
// deeper rule wins); the network only to the bundle's hosts (and the hook).
function sandboxOf(bundle: VerifiedBundle, context: ManagedContext) {
  const entries = bundle.policy.folders[context.os];
  const paths = (codes: number[]) =>
    entries
      .filter(([, code]) => codes.includes(code))
      .map(([prefix]) => sandboxPath(prefix, context));
  const forbidden = paths([FOLDER_FORBID_SUBTREE]);
  return {
    enabled: true,
    failIfUnavailable: true,
    allowUnsandboxedCommands: false,
    autoAllowBashIfSandboxed: false,
    filesystem: {
      allowWrite: paths([FOLDER_READ_WRITE]),
      denyRead: [sandboxPath('~', context), ...context.secretPaths, ...forbidden],
      allowRead: paths([FOLDER_READ, FOLDER_READ_WRITE]),
      denyWrite: [...context.secretPaths, ...forbidden],
    },
    network: {
      // Claude Code sends its HTTP hooks through the sandbox's proxy: without the hook's own
      // host and port here every hook fails, and blocks. Commands may reach it too; it answers
      // decisions only.
      allowedDomains: [...bundle.policy.network.hosts, new URL(context.hookUrl).host],
      allowManagedDomainsOnly: true,
    },
  };
}

// A canonical folder prefix (`~/Work`, `/srv/x`, `c:/users/x`) as a permission rule's path
// pattern: `~/…` stays relative to the home folder, an absolute path takes Claude Code's `//`
// (from the filesystem root; Windows drives as /c/…), and `/**` covers everything below.
export function rulePath(prefix: string, os: OperatingSystem): string {
  if (prefix === '~') return '~/**';
  if (prefix.startsWith('~/')) return `${prefix}/**`;
  const drive = /^([a-z]):(\/.*)?$/i.exec(prefix);
  const absolute =
    os === 'windows' && drive ? `/${drive[1]!.toLowerCase()}${drive[2] ?? ''}` : prefix;
  return absolute === '/' ? '//**' : `/${absolute}/**`;
}

// A folder prefix as an absolute sandbox path: `~` is the governed person's home from the user
// database (Claude Code would take it from $HOME, which the person sets).
function sandboxPath(prefix: string, context: ManagedContext): string {
  const absolute =
    prefix === '~' || prefix.startsWith('~/') ? `${context.home}${prefix.slice(1)}` : prefix;
  if (context.os === 'windows') return absolute.replace(/\//g, '\\');
  return absolute;
}
