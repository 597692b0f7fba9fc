import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BundleManager, type BundleState } from '../../control-plane/bundle-manager';
import type { ControlPlaneClient } from '../../control-plane/control-plane-client';
import type { Enrolment, StateStore } from '../../control-plane/state-store';
import { governedAccount } from '../../session/account-home';
import {
  preToolUse,
  userPromptSubmit,
  type ExhaustedBudget,
  type HookInput,
} from './hook-decisions';

export const HOOK_PATH = '/claude-code/hook';
// A prompt check waits this long for the control plane's budgets, then lets the prompt through
// (spend is still charged when Claude Code reports it).
const BUDGETS_TIMEOUT_MS = 3_000;
const MAX_HOOK_BODY = 1024 * 1024;

// Claude Code's HTTP hooks, answered by the resident `steward-agent sync` on loopback: no process
// starts per tool call. The bundle is verified from disk by the bundle manager whenever the stored
// bundle or trust set changes, and again when it expires; between changes the verified state is
// reused.
export class ClaudeCodeHookServer {
  private server: http.Server | null = null;
  private cached: { key: string; until: number; state: BundleState } | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly enrolment: Enrolment,
    private readonly client: ControlPlaneClient,
    // The governed person's home, from the user database: with sync running as root for them,
    // neither root's home nor $HOME.
    private readonly home = governedAccount(enrolment.account).home,
  ) {}

  async listen(port = 0): Promise<string> {
    const server = http.createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${HOOK_PATH}`;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  state(now = Date.now()): BundleState {
    // A new bundle or trust set changes these records; then the bundle is verified again.
    const key = `${JSON.stringify(this.store.bundleRecord())}|${this.store.trustChain().length}`;
    if (this.cached && this.cached.key === key && now < this.cached.until) return this.cached.state;
    const state = new BundleManager(this.store, this.enrolment).current();
    const until = state.usable ? Date.parse(state.bundle.expiresAt) : now + 1_000;
    this.cached = { key, until, state };
    return state;
  }

  // One hook call: the decision for its event, in Claude Code's hook output format.
  async answer(input: HookInput): Promise<object> {
    const state = this.state();
    if (input.hook_event_name === 'PreToolUse') {
      return preToolUse(input, state, { os: this.enrolment.os, home: this.home });
    }
    if (input.hook_event_name === 'UserPromptSubmit') {
      return userPromptSubmit(state, state.usable ? await this.exhaustedBudget() : null);
    }
    return {};
  }

  // The first hard budget with nothing left, or null (none, or the control plane not reachable).
  private async exhaustedBudget(): Promise<ExhaustedBudget | null> {
    try {
      const { budgets } = await this.client.budgets(AbortSignal.timeout(BUDGETS_TIMEOUT_MS));
      return budgets.find((b) => b.enforcement === 'hard' && Number(b.remainingUsd) <= 0) ?? null;
    } catch {
      return null;
    }
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HOOK_BODY) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      let input: HookInput;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HookInput;
      } catch {
        // Claude Code's onFailure: block turns this into a refusal.
        response.writeHead(400).end();
        return;
      }
      this.answer(input).then(
        (output) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(output));
        },
        () => response.writeHead(500).end(),
      );
    });
  }
}
