import {
  AgentEvent,
  EventBatch,
  EVENT_TYPES,
  createEvent,
  isEventId,
  newEventId,
  redactEvent,
  REDACTED,
  type EventBody,
  type EventSubject,
} from './index';

const subject: EventSubject = {
  organizationId: '0190f7d2-7c1e-7000-8000-000000000001',
  userId: 'alice@example.com',
  endpointId: 'ep_1',
  sessionId: 'sess_1',
};

const bodies: EventBody[] = [
  {
    type: 'session.started',
    task: 'summarise notes',
    folders: [{ path: '/home/alice/Work', access: 'write' }],
    model: 'scripted',
    bundleVersion: 3,
  },
  { type: 'session.ended', outcome: 'completed', toolCalls: 2, costUsd: '0.0042' },
  { type: 'plan.approved', source: 'auto', approvedBy: 'bundle:auto-approve', plan: '1. read' },
  {
    type: 'tool.called',
    tool: 'mcp',
    connector: 'crm',
    mcpTool: 'send_email',
    access: 'write',
    decision: 'ask',
    rule: 'connector crm write: ask',
    approvalSource: 'unattended',
    outcome: 'refused',
    durationMs: 0.4,
    parameters: '{"to":"bob@example.com"}',
  },
  { type: 'file.read', path: '/home/alice/Work/notes.md', bytes: 10 },
  { type: 'file.modified', path: '/w/b.md', change: 'moved', from: '/w/a.md' },
  { type: 'skill.used', skill: 'pdf' },
  {
    type: 'model.requested',
    model: 'claude-sonnet-4-5',
    inputTokens: 1200,
    outputTokens: 80,
    costUsd: '0.0048',
  },
  {
    type: 'policy.violation',
    kind: 'path',
    target: '/etc/passwd',
    rule: 'outside granted folders',
  },
  { type: 'prompt.submitted', agent: 'claude-code', prompt: 'read the notes', promptLength: 14 },
  { type: 'model.failed', agent: 'claude-code', model: 'claude-opus-5-5', error: 'overloaded' },
  {
    type: 'tool.completed',
    agent: 'claude-code',
    tool: 'Bash',
    outcome: 'error',
    durationMs: 12,
    parameters: 'cat /srv/secret',
    error: 'exit 1',
  },
  {
    type: 'agent.event',
    agent: 'claude-code',
    name: 'claude_code.plugin_loaded',
    attributes: { 'plugin.name': 'cc-plugin-privacy', has_hooks: true, skill_path_count: 0 },
  },
];

describe('agent events', () => {
  it('has one valid example per event type and each parses', () => {
    expect(new Set(bodies.map((b) => b.type))).toEqual(new Set(EVENT_TYPES));
    for (const body of bodies) {
      expect(AgentEvent.parse(createEvent(subject, body))).toMatchObject(body);
    }
  });

  it('rejects an unknown type, a float or huge cost, huge token counts, a missing subject and a non-v7 id', () => {
    const good = createEvent(subject, bodies[7]!);
    expect(AgentEvent.safeParse({ ...good, type: 'model.guessed' }).success).toBe(false);
    expect(AgentEvent.safeParse({ ...good, costUsd: 0.0048 }).success).toBe(false);
    expect(AgentEvent.safeParse({ ...good, costUsd: '-1' }).success).toBe(false);
    // Bounded, so a day's totals fit the rollup columns.
    expect(AgentEvent.safeParse({ ...good, costUsd: '9999999.999999' }).success).toBe(true);
    expect(AgentEvent.safeParse({ ...good, costUsd: '10000000' }).success).toBe(false);
    expect(AgentEvent.safeParse({ ...good, inputTokens: 1_000_000_000 }).success).toBe(true);
    expect(AgentEvent.safeParse({ ...good, outputTokens: 2 ** 53 - 1 }).success).toBe(false);
    const { userId: _dropped, ...anonymous } = good;
    expect(AgentEvent.safeParse(anonymous).success).toBe(false);
    expect(AgentEvent.safeParse({ ...good, id: crypto.randomUUID() }).success).toBe(false);
  });

  it('bounds a generic event: a name and at most 128 flat attributes', () => {
    const generic = createEvent(subject, bodies[12]!);
    const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`a${i}`, i]));
    expect(AgentEvent.safeParse({ ...generic, attributes: many }).success).toBe(false);
    expect(AgentEvent.safeParse({ ...generic, attributes: { nested: { a: 1 } } }).success).toBe(
      false,
    );
    expect(AgentEvent.safeParse({ ...generic, agent: 'codex' }).success).toBe(false);
  });

  it('refuses text Postgres cannot store (NUL, an unpaired surrogate) wherever it sits', () => {
    const tool = createEvent(subject, bodies[3]!);
    const session = createEvent(subject, bodies[0]!);
    const issues = (event: unknown) =>
      AgentEvent.safeParse(event).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ ...tool, parameters: 'rm -rf /\u0000' })).toEqual(['parameters']);
    expect(issues({ ...tool, rule: 'half a pair \ud83d' })).toEqual(['rule']);
    expect(issues({ ...tool, rule: '\ude42 the other half' })).toEqual(['rule']);
    expect(
      issues({ ...session, folders: [{ path: '/work/\u0000secret', access: 'read' }] }),
    ).toEqual(['folders.0.path']);
    // A whole pair, and text that merely mentions an escape, are fine.
    expect(AgentEvent.safeParse({ ...tool, parameters: 'ok 🙂 \\u0000' }).success).toBe(true);
  });

  it('bounds a batch: at least one event, at most 500', () => {
    const event = createEvent(subject, bodies[0]!);
    expect(EventBatch.safeParse({ events: [] }).success).toBe(false);
    expect(EventBatch.safeParse({ events: Array(501).fill(event) }).success).toBe(false);
    expect(EventBatch.safeParse({ events: [event] }).success).toBe(true);
  });

  it('makes unique ids that sort in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newEventId(1_700_000_000_000));
    expect(ids.every(isEventId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(newEventId(1_700_000_000_999) > ids[ids.length - 1]!).toBe(true);
  });
});

describe('redaction', () => {
  const key = 'org-key';
  const started = createEvent(subject, bodies[0]!);
  const tool = createEvent(subject, bodies[3]!);
  const moved = createEvent(subject, bodies[5]!);
  const violation = createEvent(subject, bodies[8]!);

  it('keeps everything under keep rules', () => {
    const rules = { prompts: 'keep', commands: 'keep', paths: 'keep' } as const;
    for (const event of [started, tool, moved, violation]) {
      expect(redactEvent(event, rules, key)).toEqual(event);
    }
  });

  it('drops prompts, commands and paths, and the result still validates', () => {
    const rules = { prompts: 'drop', commands: 'drop', paths: 'drop' } as const;
    const s = redactEvent(started, rules, key);
    expect(s).toMatchObject({ task: REDACTED, folders: [{ path: REDACTED, access: 'write' }] });
    expect(redactEvent(tool, rules, key)).toMatchObject({ parameters: REDACTED, tool: 'mcp' });
    const failed = createEvent(subject, {
      ...(bodies[3] as object),
      error: 'refused: /etc/x',
    } as EventBody);
    expect(redactEvent(failed, rules, key)).toMatchObject({ error: REDACTED });
    const refused = createEvent(subject, {
      type: 'session.ended',
      outcome: 'refused',
      reason: '/home/alice may not be granted',
      toolCalls: 0,
      costUsd: '0',
    });
    expect(redactEvent(refused, rules, key)).toMatchObject({ reason: REDACTED });
    expect(redactEvent(moved, rules, key)).toMatchObject({ path: REDACTED, from: REDACTED });
    expect(redactEvent(violation, rules, key)).toMatchObject({ target: REDACTED });
    for (const event of [started, tool, moved, violation]) {
      expect(AgentEvent.safeParse(redactEvent(event, rules, key)).success).toBe(true);
    }
    expect(JSON.stringify(s)).not.toContain('alice/Work');
  });

  it("drops a governed agent's prompt, tool input and generic text under drop rules", () => {
    const rules = { prompts: 'drop', commands: 'drop', paths: 'keep' } as const;
    const [prompt, failed, completed, generic] = bodies
      .slice(9)
      .map((body) => redactEvent(createEvent(subject, body), rules, key));
    expect(prompt).toMatchObject({ prompt: REDACTED, promptLength: 14 });
    expect(failed).toMatchObject({ error: REDACTED });
    expect(completed).toMatchObject({ parameters: REDACTED, error: REDACTED, tool: 'Bash' });
    expect(generic).toMatchObject({
      attributes: { 'plugin.name': REDACTED, has_hooks: true, skill_path_count: 0 },
    });
    for (const event of [prompt, failed, completed, generic]) {
      expect(AgentEvent.safeParse(event).success).toBe(true);
    }
  });

  it('hashes with the organization key: linkable within it, different across keys', () => {
    const rules = { prompts: 'hash', commands: 'keep', paths: 'hash' } as const;
    const a = redactEvent(createEvent(subject, bodies[4]!), rules, key);
    const b = redactEvent(createEvent(subject, bodies[4]!), rules, key);
    const other = redactEvent(createEvent(subject, bodies[4]!), rules, 'another-org');
    expect(a.type === 'file.read' && a.path).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((a as { path: string }).path).toBe((b as { path: string }).path);
    expect((a as { path: string }).path).not.toBe((other as { path: string }).path);
    expect(redactEvent(tool, rules, key)).toMatchObject({ parameters: '{"to":"bob@example.com"}' });
  });
});
