import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicModel, DEFAULT_MODEL, costOf } from './anthropic-model';

// The adapter against a local fake of the Messages API (the SDK's baseURL): what it sends, and how
// replies map to steps, tokens and cost.
describe('Anthropic Messages adapter', () => {
  let server: http.Server;
  let requests: Record<string, unknown>[];
  let replies: Record<string, unknown>[];
  let client: Anthropic;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push({ path: req.url, headers: req.headers, ...JSON.parse(body) });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(replies.shift()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new Anthropic({
      apiKey: 'test-key',
      baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      maxRetries: 0,
    });
  });

  beforeEach(() => {
    requests = [];
    replies = [];
  });

  afterAll(() => server.close());

  const message = (content: unknown[], usage: Record<string, number>) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...usage },
  });

  it('plans without tools, then maps tool_use to a step and feeds back the result', async () => {
    const model = new AnthropicModel(client, 'claude-sonnet-4-5');
    replies.push(
      message([{ type: 'text', text: '1. read notes' }], { input_tokens: 1000, output_tokens: 20 }),
    );
    const plan = await model.plan('summarise', [
      {
        name: 'read_file',
        description: 'Read a text file.',
        inputSchema: {
          type: 'object',
          properties: { path: { type: 'string' } },
          required: ['path'],
        },
      },
    ]);
    expect(plan).toEqual({
      value: '1. read notes',
      usage: {
        model: 'claude-sonnet-4-5-20250929',
        inputTokens: 1000,
        outputTokens: 20,
        costUsd: '0.0033',
      },
    });
    expect(requests[0]).toMatchObject({
      path: '/v1/messages',
      headers: { authorization: 'Bearer test-key' },
      model: 'claude-sonnet-4-5',
      tool_choice: { type: 'none' },
      tools: [{ name: 'read_file', input_schema: { required: ['path'] } }],
    });

    replies.push(
      message(
        [
          { type: 'text', text: 'Reading.' },
          { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'notes.md' } },
          { type: 'tool_use', id: 'toolu_2', name: 'read_file', input: { path: 'other.md' } },
        ],
        { input_tokens: 1200, output_tokens: 40, cache_read_input_tokens: 100 },
      ),
    );
    const step = await model.next();
    expect(step.value).toEqual({
      kind: 'tool',
      callId: 'toolu_1',
      tool: 'read_file',
      input: { path: 'notes.md' },
    });
    expect(step.usage).toMatchObject({ inputTokens: 1300, outputTokens: 40 });

    replies.push(
      message([{ type: 'text', text: 'All done.' }], { input_tokens: 1500, output_tokens: 5 }),
    );
    const final = await model.next({ callId: 'toolu_1', ok: false, content: 'refused: outside' });
    expect(final.value).toEqual({ kind: 'final', text: 'All done.' });
    const sent = requests[2]!.messages as { role: string; content: unknown }[];
    expect(sent.at(-2)!.content).toEqual([
      { type: 'text', text: 'Reading.' },
      { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'notes.md' } },
    ]);
    expect(sent.at(-1)).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: 'refused: outside',
          is_error: true,
        },
      ],
    });
  });

  it("passes on the SDK's deprecation warning once per session, not once per call", async () => {
    const warnings: string[] = [];
    // The SDK lists claude-sonnet-4-5 as deprecated (end of life 2026-11-30) and warns per request.
    const model = new AnthropicModel(client, 'claude-sonnet-4-5', 4096, (text) =>
      warnings.push(text),
    );
    for (let call = 0; call < 3; call++) {
      replies.push(message([{ type: 'text', text: 'ok' }], { input_tokens: 1, output_tokens: 1 }));
      await (call === 0 ? model.plan('task', []) : model.next());
    }
    expect(requests).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/claude-sonnet-4-5' is deprecated/);

    const current = new AnthropicModel(client, DEFAULT_MODEL, 4096, (text) => warnings.push(text));
    replies.push(message([{ type: 'text', text: 'ok' }], { input_tokens: 1, output_tokens: 1 }));
    await current.plan('task', []);
    expect(warnings).toHaveLength(1);
  });

  it('prices tokens exactly as decimal strings, unknown models at the highest price', () => {
    expect(costOf('claude-haiku-4-5-20251001', 1_000_000, 1_000_000)).toBe('6');
    expect(costOf('claude-sonnet-4-5', 1, 1)).toBe('0.000018');
    expect(costOf(DEFAULT_MODEL, 1_000_000, 1_000_000)).toBe('18');
    expect(costOf('some-future-model', 1_000_000, 0)).toBe('15');
  });
});
