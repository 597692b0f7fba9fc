import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

// Driving the real Claude Code (the platform package's binary, RECIPES.md) headless against a
// scripted Anthropic Messages API on loopback, in its own mount namespace: /etc is overlaid by a
// private copy-on-write layer and /etc/claude-code is a bind mount of the test's folder, so the
// binary reads the managed files steward-agent wrote there, parallel runs never see each other's,
// and the machine's /etc is never written.

export const CLAUDE_BINARY = path.join(
  path.dirname(require.resolve('@anthropic-ai/claude-code-linux-x64/package.json')),
  'claude',
);

export type ModelStep =
  | { tool: string; input: Record<string, unknown> }
  | { text: string }
  // Holds the answer until the test lets it go (something to do mid-session).
  | { wait: Promise<void>; onReached?: () => void };

export interface FakeModel {
  url: string;
  // Every request body Claude Code sent, as text: what the model was shown.
  requests: string[];
  // The tool results Claude Code sent back, by tool_use id.
  toolResults(): Map<string, { content: string; isError: boolean }>;
  close(): Promise<void>;
}

interface ToolResultBlock {
  type?: string;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

// Streams each step as the Messages API's server-sent events: a tool_use block (its input as one
// input_json_delta) or a text block; waits are skipped over once released.
export async function fakeModel(steps: ModelStep[]): Promise<FakeModel> {
  const requests: string[] = [];
  let next = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => void answer(request, response, body));
  });
  async function answer(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    body: string,
  ) {
    requests.push(body);
    const parsed = (body ? JSON.parse(body) : {}) as { stream?: boolean; model?: string };
    if (!request.url?.startsWith('/v1/messages') || request.url.includes('count_tokens')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"input_tokens": 10}');
      return;
    }
    let step = steps[Math.min(next++, steps.length - 1)]!;
    while ('wait' in step) {
      step.onReached?.();
      await step.wait;
      step = steps[Math.min(next++, steps.length - 1)]!;
    }
    const id = `msg_${next}`;
    if (!parsed.stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model: parsed.model,
          content: [{ type: 'text', text: 'ok' }],
          stop_reason: 'end_turn',
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (event: string, data: object) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
    const usage = { input_tokens: 10, output_tokens: 1 };
    send('message_start', {
      message: { id, type: 'message', role: 'assistant', model: parsed.model, content: [], usage },
    });
    if ('tool' in step) {
      send('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: `toolu_${next}`, name: step.tool, input: {} },
      });
      send('content_block_delta', {
        index: 0,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(step.input) },
      });
    } else {
      send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: step.text } });
    }
    send('content_block_stop', { index: 0 });
    send('message_delta', {
      delta: { stop_reason: 'tool' in step ? 'tool_use' : 'end_turn' },
      usage: { output_tokens: 5 },
    });
    send('message_stop', {});
    response.end();
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    toolResults() {
      const results = new Map<string, { content: string; isError: boolean }>();
      for (const body of requests) {
        const { messages = [] } = JSON.parse(body || '{}') as {
          messages?: { content?: string | ToolResultBlock[] }[];
        };
        for (const message of messages) {
          if (!Array.isArray(message.content)) continue;
          for (const block of message.content) {
            if (block.type !== 'tool_result' || !block.tool_use_id) continue;
            results.set(block.tool_use_id, {
              content: JSON.stringify(block.content),
              isError: block.is_error === true,
            });
          }
        }
      }
      return results;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ClaudeRun {
  code: number;
  stdout: string;
  stderr: string;
}

// `claude -p PROMPT` in its own mount namespace with `managedDir` as its /etc/claude-code.
export function runClaude(options: {
  managedDir: string;
  scratch: string;
  home: string;
  cwd: string;
  modelUrl: string;
  prompt: string;
  timeoutMs?: number;
}): Promise<ClaudeRun> {
  const upper = path.join(options.scratch, 'etc-upper');
  const work = path.join(options.scratch, 'etc-work');
  fs.mkdirSync(upper, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  fs.mkdirSync(options.home, { recursive: true });
  const script = [
    'set -e',
    'mount --make-rprivate /',
    `mount -t overlay overlay -o lowerdir=/etc,upperdir="${upper}",workdir="${work}" /etc`,
    'mkdir -p /etc/claude-code',
    `mount --bind "${options.managedDir}" /etc/claude-code`,
    `exec "${CLAUDE_BINARY}" -p "$CLAUDE_PROMPT" --output-format json`,
  ].join('\n');
  return new Promise((resolve) => {
    const child = spawn('unshare', ['-m', 'sh', '-c', script], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: options.home,
        CLAUDE_PROMPT: options.prompt,
        ANTHROPIC_BASE_URL: options.modelUrl,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
