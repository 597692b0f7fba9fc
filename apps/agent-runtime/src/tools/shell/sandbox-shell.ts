import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SandboxManager, type SandboxRuntimeConfig } from '@anthropic-ai/sandbox-runtime';
import type { Confinement } from '../../session/session-folders';
import type { FolderGrant } from '../files/granted-folders';

// System folders a shell command needs to run at all; everything else at the top of the file
// system is hidden, and the granted folders are bound back in.
const SYSTEM_DIRS = new Set(['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc']);
const KERNEL_DIRS = new Set(['proc', 'dev', 'sys']);
// What commands need of /etc, and nothing else (no shadow, gshadow, sudoers, ssh host keys, TLS
// private keys, also when the runtime runs as root): accounts and groups (no password hashes, those
// are in shadow), name resolution, the dynamic linker's cache, alternatives, certificates, locale,
// shells' start-up files. Missing entries are skipped.
const ETC_VISIBLE = [
  'passwd',
  'group',
  'nsswitch.conf',
  'hosts',
  'host.conf',
  'resolv.conf',
  'gai.conf',
  'services',
  'protocols',
  'networks',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'ca-certificates.conf',
  'localtime',
  'timezone',
  'locale.alias',
  'default/locale',
  'os-release',
  'debian_version',
  'lsb-release',
  'shells',
  'profile',
  'profile.d',
  'bash.bashrc',
  'inputrc',
  'environment',
  'mime.types',
  'magic',
  'magic.mime',
  'terminfo',
  'gitconfig',
  'ssh/ssh_config',
  'ssh/ssh_config.d',
].map((entry) => `/etc/${entry}`);
const MAX_OUTPUT = 64 * 1024;

export interface ShellResult {
  exitCode: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface SandboxHealth {
  available: boolean;
  problems: string[];
}

// sandbox-runtime runs its own helpers (vendor/) from its package folder inside the sandbox, so that folder
// stays readable (RECIPES: otherwise every command exits 127).
function sandboxPackageDir(): string {
  return path.dirname(path.dirname(require.resolve('@anthropic-ai/sandbox-runtime')));
}

function commandEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    TERM: 'dumb',
  };
}

const MAX_SCANNED_ENTRIES = 200_000;

// A hard link that existed before the session shares its inode with a file outside the grant, and
// the sandbox cannot tell them apart (RECIPES). Such files are hidden from commands and made
// read-only, as the file tools refuse them. A folder too large to scan refuses the shell.
function hardLinkedFiles(root: string): string[] {
  const found: string[] = [];
  const pending = [root];
  let scanned = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      scanned += 1;
      if (scanned > MAX_SCANNED_ENTRIES) {
        throw new Error(
          `${root} holds more than ${MAX_SCANNED_ENTRIES} entries; too many to check before sandboxing`,
        );
      }
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isFile() && fs.lstatSync(full).nlink > 1) found.push(full);
    }
  }
  return found;
}

export function sandboxHealth(): SandboxHealth {
  if (!SandboxManager.isSupportedPlatform()) {
    return { available: false, problems: [`${process.platform} is not supported`] };
  }
  const check = SandboxManager.checkDependencies();
  return { available: check.errors.length === 0, problems: [...check.errors, ...check.warnings] };
}

/**
 * Shell commands in an OS sandbox (bubblewrap on Linux, through @anthropic-ai/sandbox-runtime):
 * only the granted folders and system folders are visible, minus what the session's confinement
 * hides (forbidden places inside grants, the runtime's state) and all of /etc but what commands
 * need; only read-write grants are writable, minus the confinement's read-only places; network
 * goes through its proxy, which allows only `allowedHosts`. One per process: the library keeps
 * global state.
 */
export class SandboxShell {
  private constructor(private readonly workingDir: string) {}

  static async start(
    grants: FolderGrant[],
    allowedHosts: string[],
    confinement: Confinement,
  ): Promise<SandboxShell> {
    const health = sandboxHealth();
    if (!health.available) {
      throw new Error(`the shell sandbox is unavailable: ${health.problems.join('; ')}`);
    }
    const hidden = fs
      .readdirSync('/')
      .filter((name) => !SYSTEM_DIRS.has(name) && !KERNEL_DIRS.has(name))
      .map((name) => `/${name}`);
    const linked = grants.flatMap((grant) => hardLinkedFiles(grant.root));
    const config: SandboxRuntimeConfig = {
      // Strict: only the bundle's hosts, never widened by a prompt or a per-command list.
      network: { allowedDomains: allowedHosts, deniedDomains: [], strictAllowlist: true },
      filesystem: {
        // Forbidden places inside grants and the runtime's state are mounted over (an empty
        // folder, or an empty file), as is /etc but for what commands need.
        denyRead: [...hidden, ...linked, ...confinement.hidden, '/etc'],
        allowRead: [
          ...grants.map((grant) => grant.root),
          sandboxPackageDir(),
          ...ETC_VISIBLE.filter((entry) => fs.existsSync(entry)),
        ],
        allowWrite: grants.filter((grant) => grant.access === 'write').map((grant) => grant.root),
        denyWrite: [...linked, ...confinement.readOnly],
      },
    };
    await SandboxManager.initialize(config);
    // The proxy's bridge sockets live in the system temporary folder, which the file rules above
    // hide; without them back in view the allowed hosts are unreachable too. They exist only
    // once initialize has started the proxy.
    const bridges = [
      SandboxManager.getLinuxHttpSocketPath(),
      SandboxManager.getLinuxSocksSocketPath(),
    ].filter((socket): socket is string => socket !== undefined);
    if (bridges.length > 0) {
      SandboxManager.updateConfig({
        ...config,
        filesystem: {
          ...config.filesystem,
          allowRead: [...config.filesystem.allowRead!, ...bridges],
        },
      });
    }
    return new SandboxShell(grants[0]!.root);
  }

  async run(command: string, timeoutMs = 120_000): Promise<ShellResult> {
    const wrapped = await SandboxManager.wrapWithSandbox(command);
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/bash', ['-c', wrapped], {
        cwd: this.workingDir,
        // Not the runtime's environment: it holds the model API key and the endpoint's settings.
        env: commandEnvironment(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < MAX_OUTPUT) stderr += chunk.toString('utf8');
      });
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        SandboxManager.cleanupAfterCommand();
        resolve({
          exitCode: code ?? -1,
          timedOut,
          stdout: stdout.slice(0, MAX_OUTPUT),
          stderr: SandboxManager.annotateStderrWithSandboxFailures(
            command,
            stderr.slice(0, MAX_OUTPUT),
          ),
        });
      });
    });
  }

  async stop(): Promise<void> {
    await SandboxManager.reset();
  }
}
