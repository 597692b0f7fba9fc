import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BundleManager } from '../../control-plane/bundle-manager';
import { writeFileAtomic, type Enrolment, type StateStore } from '../../control-plane/state-store';
import { governedAccount, type LocalAccount } from '../../session/account-home';
import { managedFiles } from './managed-settings';

export const CLAUDE_CODE = 'claude-code';
// Where the record of the last write is kept, in the runtime's state folder.
const RECORD_FILE = 'claude-code.json';
// The exporter's headers (the endpoint's credential), beside the managed files but readable by the
// governed person's account only; `steward-agent otel-headers` prints it for Claude Code.
export const OTEL_HEADERS_FILE = 'otel-headers.json';

// What `steward-agent status` shows and the status report carries for Claude Code.
export interface ClaudeCodeRecord {
  agent: typeof CLAUDE_CODE;
  managedDir: string;
  // `policy`: the bundle's rules; `deny-all`: no valid bundle, everything refused.
  access: 'policy' | 'deny-all';
  bundleVersion: number | null;
  reason: string | null;
  hookUrl: string;
  // sha256 of the two files as written.
  digest: string;
  writtenAt: string;
}

// Claude Code's managed folder on this system (its documented paths). STEWARD_CLAUDE_CODE_DIR
// moves it, for installs that relocate it and for tests, which must never write the machine's.
export function claudeCodeManagedDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.STEWARD_CLAUDE_CODE_DIR) return path.resolve(env.STEWARD_CLAUDE_CODE_DIR);
  if (platform === 'darwin') return '/Library/Application Support/ClaudeCode';
  if (platform === 'win32') return 'C:\\Program Files\\ClaudeCode';
  return '/etc/claude-code';
}

export function lastClaudeCodeWrite(store: StateStore): ClaudeCodeRecord | null {
  try {
    return JSON.parse(
      fs.readFileSync(path.join(store.dir, RECORD_FILE), 'utf8'),
    ) as ClaudeCodeRecord;
  } catch {
    return null;
  }
}

// Writes Claude Code's managed settings and managed MCP file from the bundle in force, verified
// from disk by the bundle manager (a bundle that does not verify, has expired or revokes access
// gives the deny-all files). Each file is replaced atomically, the headers and MCP file first, so
// Claude Code never reads half a file nor servers the new settings do not govern. Unchanged files
// are not rewritten; every new bundle changes them (its version is in the telemetry attributes).
export function applyClaudeCode(
  store: StateStore,
  enrolment: Enrolment,
  hookUrl: string,
  managedDir = claudeCodeManagedDir(),
  now = new Date(),
): ClaudeCodeRecord {
  const state = new BundleManager(store, enrolment, () => now).current();
  const account = governedAccount(enrolment.account);
  const headersFile = path.join(managedDir, OTEL_HEADERS_FILE);
  const files = managedFiles(state, {
    os: enrolment.os,
    server: enrolment.server,
    headersHelper: agentCommand('otel-headers', headersFile),
    hookUrl,
    home: account.home,
    secretPaths: [realPath(store.dir), headersFile],
  });
  const headers = `${JSON.stringify({ Authorization: `Bearer ${enrolment.credential}` })}\n`;
  const settings = `${JSON.stringify(files.settings, null, 2)}\n`;
  const mcp = `${JSON.stringify(files.mcp, null, 2)}\n`;
  const digest = createHash('sha256')
    .update(`${headers}\n${settings}\n${mcp}\n${account.uid}`)
    .digest('hex');
  const previous = lastClaudeCodeWrite(store);
  const settingsFile = path.join(managedDir, 'managed-settings.json');
  if (
    previous?.digest === digest &&
    previous.managedDir === managedDir &&
    fs.existsSync(settingsFile) &&
    fs.existsSync(headersFile)
  ) {
    return previous;
  }
  // Claude Code runs as the person and reads these; only the runtime may change them.
  fs.mkdirSync(managedDir, { recursive: true, mode: 0o755 });
  writeSecretFor(account, headersFile, headers);
  writeFileAtomic(path.join(managedDir, 'managed-mcp.json'), mcp, 0o644);
  writeFileAtomic(settingsFile, settings, 0o644);
  const record: ClaudeCodeRecord = {
    agent: CLAUDE_CODE,
    managedDir,
    access: state.usable ? 'policy' : 'deny-all',
    bundleVersion: state.usable ? state.bundle.version : null,
    reason: state.usable ? null : `${state.reason}: ${state.detail}`,
    hookUrl,
    digest,
    writtenAt: now.toISOString(),
  };
  writeFileAtomic(path.join(store.dir, RECORD_FILE), JSON.stringify(record, null, 2));
  return record;
}

// Readable by the governed account alone (0600, its owner when the runtime runs as root for it).
function writeSecretFor(account: LocalAccount, file: string, data: string): void {
  writeFileAtomic(file, data, 0o600);
  if (process.getuid?.() === 0 && account.uid !== 0) fs.chownSync(file, account.uid, account.gid);
}

// This runtime's command line, as a shell command for Claude Code to run (absolute paths: it must
// not depend on the person's PATH).
function agentCommand(...args: string[]): string {
  const entry = process.argv[1];
  const argv = [process.execPath, ...(entry ? [path.resolve(entry)] : []), ...args];
  const quote = (word: string) =>
    process.platform === 'win32' ? `"${word}"` : `'${word.replace(/'/g, `'\\''`)}'`;
  return argv.map(quote).join(' ');
}

function realPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
