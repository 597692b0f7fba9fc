import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The whole thread, end to end, as an IdP, an admin, an endpoint and an auditor see it. Played by
// `npm run demo` against one embedded Steward and by test/production-shape.e2e-spec.ts against two
// API replicas and a worker: every step talks HTTP or runs the built CLIs, so both exercise what a
// customer's deployment would.

export interface StoryEnvironment {
  // The repository (for bin/ and the CRM MCP server).
  root: string;
  // The replica the IdP and the admin talk to, and the one the endpoint's runtime talks to.
  adminUrl: string;
  endpointUrl: string;
  organization: { id: string; slug: string };
  // The one-time sign-in link for the organization's first admin.
  bootstrapLink: string;
  // Environment for `bin/steward.js`, so it reaches the same database as the servers.
  cliEnv: NodeJS.ProcessEnv;
  // An empty folder for the endpoint's files and state; the caller removes it.
  workDir: string;
  print: (line: string) => void;
}

export interface ToolCallEvent {
  tool: string;
  decision: string;
  outcome: string;
  connector?: string;
  mcpTool?: string;
  input?: Record<string, unknown>;
}

export interface StoryResult {
  userIds: { alice: string; bob: string };
  groupId: string;
  endpointId: string;
  bundleVersionBefore: number;
  toolCalls: ToolCallEvent[];
  // null when this build has no spend leases.
  spend: {
    leaseId: string;
    amountUsd: string;
    costUsd: string;
    remainingUsd: string;
    // Concurrent leases over the budget's remainder: the hard limit holds across replicas.
    race: { granted: number; refused: number; leasedUsd: string };
  } | null;
  analytics: { sessions: number; toolCalls: number; toolCallsByDecision: Record<string, number> };
  audit: { ok: boolean; checked: number };
  revocation: {
    bundleVersion: number;
    // From the SCIM PATCH's answer to the endpoint holding the revoked bundle (long-poll).
    bundleReachedEndpointMs: number;
    // From the SCIM PATCH's answer to the runtime refusing the next session.
    sessionRefusedMs: number;
    refusal: string;
  };
}

export class StoryError extends Error {}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<Run>((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end();
  });
}

function expectThat(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StoryError(message);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

const SCIM_TYPE = 'application/scim+json';

export class Story {
  private cookies = '';
  private csrf = '';
  private scimToken = '';
  private readonly stateDir: string;
  private readonly folder: string;
  private readonly crmServer: string;

  constructor(private readonly env: StoryEnvironment) {
    this.stateDir = path.join(env.workDir, 'endpoint-state');
    this.folder = path.join(env.workDir, 'alice', 'Projects', 'q3-review');
    this.crmServer = path.join(env.root, 'test/support/crm-mcp-server.cjs');
  }

  private say(line: string): void {
    this.env.print(line);
  }

  private async steward(...args: string[]): Promise<Run> {
    const result = await run(
      process.execPath,
      [path.join(this.env.root, 'bin/steward.js'), ...args],
      {
        cwd: this.env.root,
        env: { ...this.env.cliEnv, LOG_LEVEL: 'error' },
      },
    );
    expectThat(
      result.code === 0 || args[0] === 'audit',
      `steward ${args.join(' ')}: ${result.stderr}`,
    );
    return result;
  }

  private agent(...args: string[]): Promise<Run> {
    return run(
      process.execPath,
      [path.join(this.env.root, 'bin/steward-agent.js'), '--state-dir', this.stateDir, ...args],
      // No model key: the session is the scripted model, and spend goes through leases. Claude
      // Code's managed files go to the work folder, never the machine's /etc/claude-code.
      {
        cwd: this.env.root,
        env: {
          ...process.env,
          ANTHROPIC_API_KEY: '',
          STEWARD_CLAUDE_CODE_DIR: path.join(this.env.workDir, 'claude-code'),
        },
      },
    );
  }

  private async scim<T>(method: string, resource: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.env.adminUrl}/scim/v2/${resource}`, {
      method,
      headers: {
        authorization: `Bearer ${this.scimToken}`,
        'content-type': SCIM_TYPE,
        accept: SCIM_TYPE,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    expectThat(response.ok, `SCIM ${method} ${resource}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.env.adminUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: this.cookies,
        'x-csrf-token': this.csrf,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    expectThat(
      !body.errors?.length && body.data,
      `GraphQL: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`,
    );
    return body.data;
  }

  private async endpointCall<T>(
    method: string,
    route: string,
    body: unknown,
    baseUrl = this.env.endpointUrl,
  ): Promise<{ status: number; body: T }> {
    const enrolment = JSON.parse(
      fs.readFileSync(path.join(this.stateDir, 'enrolment.json'), 'utf8'),
    ) as { credential: string };
    const response = await fetch(`${baseUrl}/api/v1/endpoints/${route}`, {
      method,
      headers: {
        authorization: `Bearer ${enrolment.credential}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async play(): Promise<StoryResult> {
    const people = await this.provision();
    await this.signIn();
    const keys = await this.govern(people);
    const enrolled = await this.enrol(keys.enrolmentToken);
    const spend = await this.spend();
    const toolCalls = await this.session();
    const analytics = await this.analytics(keys.analyticsKey);
    const audit = await this.audit();
    const revocation = await this.revoke(people.alice, enrolled.version);
    return {
      userIds: { alice: people.alice, bob: people.bob },
      groupId: people.sales,
      endpointId: enrolled.endpointId,
      bundleVersionBefore: enrolled.version,
      toolCalls,
      spend,
      analytics,
      audit,
      revocation,
    };
  }

  // 1. The IdP: a SCIM token from the operator CLI, then people and a group.
  private async provision(): Promise<{ alice: string; bob: string; sales: string }> {
    this.say('1. Identity provider provisions people and groups over SCIM');
    const token = await this.steward(
      'token',
      'create',
      '--org',
      this.env.organization.slug,
      '--type',
      'scim',
      '--name',
      'Okta',
      '--json',
    );
    this.scimToken = (JSON.parse(token.stdout) as { secret: string }).secret;
    this.say(`   steward token create --type scim → ${this.scimToken.slice(0, 12)}…`);
    const user = (userName: string, given: string, family: string) =>
      this.scim<{ id: string }>('POST', 'Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        name: { givenName: given, familyName: family },
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
      });
    const alice = await user('alice@acme.example', 'Alice', 'Martin');
    const bob = await user('bob@acme.example', 'Bob', 'Okafor');
    const sales = await this.scim<{ id: string }>('POST', 'Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales',
      members: [{ value: alice.id }, { value: bob.id }],
    });
    this.say(`   POST /scim/v2/Users alice@acme.example, bob@acme.example`);
    this.say(`   POST /scim/v2/Groups "Sales" with both as members`);
    return { alice: alice.id, bob: bob.id, sales: sales.id };
  }

  // 2. The first admin follows the one-time link; the console's cookies and CSRF header follow.
  private async signIn(): Promise<void> {
    this.say('2. Admin signs in with the bootstrap link');
    const link = new URL(this.env.bootstrapLink);
    const response = await fetch(`${this.env.adminUrl}${link.pathname}${link.search}`, {
      redirect: 'manual',
    });
    expectThat(response.status === 303, `bootstrap sign-in answered ${response.status}`);
    const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]!);
    this.cookies = cookies.join('; ');
    this.csrf = cookies.find((c) => c.startsWith('steward_csrf='))?.split('=')[1] ?? '';
    expectThat(this.csrf, 'no CSRF cookie after sign-in');
    this.say(`   GET ${link.pathname} → 303, session cookie + CSRF token`);
  }

  // 3. Roles, bindings, the CRM connector read-only, the Downloads ceiling, a team budget.
  private async govern(people: {
    alice: string;
    sales: string;
  }): Promise<{ enrolmentToken: string; analyticsKey: string }> {
    this.say('3. Admin governs: connector, role, binding, ceiling, budget');
    const { createConnector } = await this.graphql<{ createConnector: { id: string } }>(
      `mutation($input: ConnectorInput!) { createConnector(input: $input) { id } }`,
      {
        input: {
          name: 'crm',
          transport: 'stdio',
          command: 'node',
          args: [this.crmServer],
          version: '2.4.0',
        },
      },
    );
    const catalogue = await run(process.execPath, [this.crmCatalogueDumper()], {
      cwd: this.env.root,
    });
    expectThat(catalogue.code === 0, `reading the CRM's tools/list: ${catalogue.stderr}`);
    const { uploadConnectorTools } = await this.graphql<{
      uploadConnectorTools: {
        added: string[];
        connector: { catalogueHash: string; tools: { name: string; kind: string }[] };
      };
    }>(
      `mutation($id: ID!, $json: String!) { uploadConnectorTools(id: $id, catalogue: $json) {
        added connector { catalogueHash tools { name kind } } } }`,
      { id: createConnector.id, json: catalogue.stdout },
    );
    await this.graphql(
      `mutation($id: ID!, $hash: String!) { approveConnectorCatalogue(id: $id, catalogueHash: $hash) { id } }`,
      { id: createConnector.id, hash: uploadConnectorTools.connector.catalogueHash },
    );
    const tools = uploadConnectorTools.connector.tools.map((t) => `${t.name} (${t.kind})`);
    this.say(`   connector "crm": uploaded tools/list JSON → ${tools.join(', ')}; approved`);

    await this.graphql(
      `mutation { setAutoApprovePlansAllowed(allowed: true) { autoApprovePlansAllowed } }`,
    );
    const { createRole } = await this.graphql<{ createRole: { id: string } }>(
      `mutation($input: RoleInput!) { createRole(input: $input) { id } }`,
      {
        input: {
          name: 'Sales agent',
          description: 'Agent on project folders, CRM read-only',
          capabilities: ['agent', 'connectors', 'auto_approve_plans'],
          connectorRules: [{ connectorId: createConnector.id, read: 'allow', write: 'deny' }],
          folderRoots: [{ pattern: path.dirname(this.folder), access: 'read_write' }],
        },
      },
    );
    await this.graphql(
      `mutation($role: ID!, $group: ID!) { bindRole(roleId: $role, subjectType: group, subjectId: $group) { id } }`,
      { role: createRole.id, group: people.sales },
    );
    this.say(
      `   role "Sales agent" (agent, connectors, auto-approve; crm read allow / write deny; ` +
        `${path.dirname(this.folder)} read-write) bound to group Sales`,
    );

    const { governanceSettings } = await this.graphql<{
      governanceSettings: { ceiling: { pattern: string; enabled: boolean }[] };
    }>(`query { governanceSettings { ceiling { pattern enabled } } }`);
    const downloads = governanceSettings.ceiling.filter((e) => /Downloads/.test(e.pattern));
    expectThat(
      downloads.length && downloads.every((e) => e.enabled),
      'Downloads is not forbidden by the ceiling',
    );
    const { explainPath } = await this.graphql<{ explainPath: { decision: string } }>(
      `query($user: ID!) { explainPath(userId: $user, path: "~/Downloads/contract.pdf", access: read, os: macos) { decision } }`,
      { user: people.alice },
    );
    expectThat(explainPath.decision === 'deny', `~/Downloads is ${explainPath.decision}`);
    this.say(
      `   ceiling forbids ${downloads.map((e) => e.pattern).join(', ')} → explainPath(~/Downloads/contract.pdf) = deny`,
    );

    const { createSpendLimit } = await this.graphql<{
      createSpendLimit: { id: string };
    }>(`mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`, {
      input: {
        subjectType: 'group',
        subjectId: people.sales,
        period: 'day',
        amountUsd: '5',
        enforcement: 'hard',
        alertThresholds: [80],
      },
    });
    expectThat(createSpendLimit.id, 'no spend limit');
    this.say('   team budget: Sales, $5.00 a day, hard limit, alert at 80%');

    const { explainTool } = await this.graphql<{
      explainTool: { decision: string; explanation: string };
    }>(
      `query($user: ID!) { explainTool(userId: $user, connector: "crm", tool: "update_deal") { decision explanation } }`,
      { user: people.alice },
    );
    expectThat(explainTool.decision === 'deny', `crm/update_deal is ${explainTool.decision}`);
    this.say(`   explainTool(alice, crm/update_deal) = deny — ${explainTool.explanation}`);

    const credential = (type: string, name: string) =>
      this.graphql<{ createMachineCredential: { secret: string } }>(
        `mutation($input: CreateMachineCredentialInput!) { createMachineCredential(input: $input) { secret } }`,
        { input: { type, name } },
      ).then((data) => data.createMachineCredential.secret);
    const enrolmentToken = await credential('enrolment', 'MDM rollout');
    const analyticsKey = await credential('analytics', 'BI dashboard');
    this.say('   enrolment token (for the MDM) and Analytics API key issued');
    return { enrolmentToken, analyticsKey };
  }

  // The CRM's own tools/list, as the admin would export it from the vendor: a tiny MCP client.
  private crmCatalogueDumper(): string {
    const file = path.join(this.env.workDir, 'dump-crm-tools.cjs');
    fs.writeFileSync(
      file,
      `const { Client } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/client/index.js'))});
const { StdioClientTransport } = require(${JSON.stringify(require.resolve('@modelcontextprotocol/sdk/client/stdio.js'))});
(async () => {
  const client = new Client({ name: 'export', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(this.crmServer)}] }));
  process.stdout.write(JSON.stringify(await client.listTools()));
  await client.close();
})();
`,
    );
    return file;
  }

  // 4. The endpoint: enrol with the MDM's token, pull the signed bundle.
  private async enrol(token: string): Promise<{ endpointId: string; version: number }> {
    this.say('4. Endpoint enrols and pulls its bundle');
    fs.mkdirSync(this.folder, { recursive: true });
    fs.mkdirSync(this.stateDir, { recursive: true });
    const enrol = await this.agent(
      'enrol',
      '--server',
      this.env.endpointUrl,
      '--token',
      token,
      '--user',
      'alice@acme.example',
      '--device-name',
      'alice-laptop',
    );
    expectThat(enrol.code === 0, `enrol: ${enrol.stderr}`);
    this.say(`   steward-agent enrol → ${enrol.stdout.trim().split('\n').at(-1)}`);
    const pull = await this.agent('pull');
    expectThat(pull.code === 0, `pull: ${pull.stderr}`);
    this.say(`   steward-agent pull → ${pull.stdout.trim()}`);
    const status = JSON.parse((await this.agent('status', '--json')).stdout) as {
      endpointId: string;
      bundle: { usable: boolean; version: number };
    };
    expectThat(status.bundle.usable, 'the pulled bundle is not usable');
    return { endpointId: status.endpointId, version: status.bundle.version };
  }

  // 5. The model's spend: a lease before the request, settled with the actual cost after.
  private async spend(): Promise<StoryResult['spend']> {
    this.say('5. A model request leases spend against the team budget');
    const lease = await this.endpointCall<{
      id: string;
      amountUsd: string;
      budgets?: { remainingUsd: string; subjectType: string }[];
      code?: string;
    }>('POST', 'spend/leases', {
      amountUsd: '0.40',
      model: 'claude-sonnet-4-5',
      idempotencyKey: `story-${Date.now()}`,
    });
    if (lease.status === 404 && !lease.body.code) {
      this.say('   (this build has no spend leases yet: the budget is defined but not enforced)');
      return null;
    }
    expectThat(lease.status === 201, `lease: ${lease.status} ${JSON.stringify(lease.body)}`);
    const settle = await this.endpointCall<{ costUsd: string; returnedUsd: string }>(
      'POST',
      `spend/leases/${lease.body.id}/settle`,
      { costUsd: '0.1234' },
    );
    expectThat(settle.status === 200, `settle: ${settle.status} ${JSON.stringify(settle.body)}`);
    const team = lease.body.budgets?.find((b) => b.subjectType === 'group');
    this.say(
      `   lease $${lease.body.amountUsd} granted (Sales has $${team?.remainingUsd ?? '?'} left while it is held); ` +
        `settled at $${settle.body.costUsd}, $${settle.body.returnedUsd} returned`,
    );
    const race = await this.leaseRace();
    return {
      leaseId: lease.body.id,
      amountUsd: lease.body.amountUsd,
      costUsd: settle.body.costUsd,
      remainingUsd: team?.remainingUsd ?? '',
      race,
    };
  }

  // Twenty model requests at once, half through each replica, more than the budget has left: the
  // hard limit holds exactly, then the unused leases are settled at zero and return their money.
  private async leaseRace(): Promise<{ granted: number; refused: number; leasedUsd: string }> {
    const urls = [this.env.endpointUrl, this.env.adminUrl];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        this.endpointCall<{ id: string; code?: string }>(
          'POST',
          'spend/leases',
          { amountUsd: '0.40', model: 'claude-sonnet-4-5' },
          urls[i % 2],
        ),
      ),
    );
    const granted = answers.filter((a) => a.status === 201);
    const refused = answers.filter(
      (a) => a.status === 402 && a.body.code === 'spend_limit_exhausted',
    );
    expectThat(
      granted.length + refused.length === answers.length,
      `unexpected lease answers: ${answers.map((a) => a.status).join(', ')}`,
    );
    await Promise.all(
      granted.map((a) =>
        this.endpointCall('POST', `spend/leases/${a.body.id}/settle`, { costUsd: '0' }),
      ),
    );
    const leasedUsd = ((granted.length * 40) / 100).toFixed(2);
    const via = urls[0] === urls[1] ? '' : ', half through each API replica';
    this.say(
      `   20 concurrent leases of $0.40${via}: ${granted.length} granted ($${leasedUsd}), ` +
        `${refused.length} refused (402 spend_limit_exhausted); then released`,
    );
    return { granted: granted.length, refused: refused.length, leasedUsd };
  }

  private scriptFile(name: string, steps: unknown[]): string {
    const file = path.join(this.env.workDir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ steps }));
    return file;
  }

  private runSession(script: string): Promise<Run> {
    return this.agent(
      'run',
      '--task',
      'Summarise the Q3 review and update the Globex deal',
      '--folder',
      this.folder,
      '--approve',
      'auto',
      '--script',
      script,
      '--json',
    );
  }

  // 6. A scripted session: reads, a write in the folder, a write outside, CRM read and write.
  private async session(): Promise<ToolCallEvent[]> {
    this.say('6. A scripted session runs on the endpoint');
    fs.writeFileSync(path.join(this.folder, 'notes.md'), 'Q3: Globex at proposal, Initech close.');
    const outside = path.join(this.env.workDir, 'alice', 'Documents', 'payroll.csv');
    fs.mkdirSync(path.dirname(outside), { recursive: true });
    fs.writeFileSync(outside, 'name,salary\n');
    const script = this.scriptFile('q3-session', [
      { tool: 'read_file', input: { path: 'notes.md' } },
      {
        tool: 'mcp',
        input: { connector: 'crm', tool: 'search_deals', arguments: { account: 'Globex' } },
      },
      { tool: 'write_file', input: { path: 'summary.md', content: 'Globex: proposal, $48k.' } },
      { tool: 'write_file', input: { path: outside, content: 'name,salary\nalice,1\n' } },
      {
        tool: 'mcp',
        input: { connector: 'crm', tool: 'update_deal', arguments: { id: 'D-1042' } },
      },
      { final: 'Summary written to summary.md; the CRM update needs someone with write access.' },
    ]);
    const session = await this.runSession(script);
    expectThat(session.code === 0, `session: exit ${session.code} ${session.stderr}`);
    const events = session.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown> & { type: string });
    const toolCalls = events
      .filter((e) => e.type === 'tool.called')
      .map((e) => e as unknown as ToolCallEvent);
    for (const call of toolCalls) {
      const what = call.connector ? `${call.connector}/${call.mcpTool}` : call.tool;
      this.say(`   ${call.decision.padEnd(5)} ${what.padEnd(18)} → ${call.outcome}`);
    }
    expectThat(
      fs.readFileSync(outside, 'utf8') === 'name,salary\n',
      'the write outside the folder happened',
    );
    const ended = events.at(-1);
    this.say(`   session ended: ${String(ended?.outcome)}, ${String(ended?.toolCalls)} tool calls`);
    return toolCalls;
  }

  // 7. The admin's BI tool reads the Analytics API; rollups run every few seconds.
  private async analytics(key: string): Promise<StoryResult['analytics']> {
    this.say('7. Admin sees it in analytics (REST, API key)');
    const url = `${this.env.adminUrl}/api/v1/analytics/summary?from=${today()}&to=${today()}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      expectThat(response.ok, `analytics: ${response.status}`);
      const summary = (await response.json()) as StoryResult['analytics'];
      if (summary.sessions >= 1 || Date.now() > deadline) {
        expectThat(summary.sessions >= 1, 'the session never reached the analytics rollups');
        this.say(
          `   GET /api/v1/analytics/summary → ${summary.sessions} session, ${summary.toolCalls} tool calls ` +
            `(${Object.entries(summary.toolCallsByDecision)
              .map(([decision, n]) => `${n} ${decision}`)
              .join(', ')})`,
        );
        return summary;
      }
      // The rollup job runs on a schedule (every 10 s); ask again shortly.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  // 8. Anyone can recompute the audit hash chain.
  private async audit(): Promise<{ ok: boolean; checked: number }> {
    this.say('8. The audit log verifies');
    const verify = await this.steward(
      'audit',
      'verify',
      '--org',
      this.env.organization.slug,
      '--json',
    );
    const result = JSON.parse(verify.stdout) as { ok: boolean; checked: number };
    expectThat(result.ok && verify.code === 0, `audit verify: ${verify.stdout}`);
    this.say(`   steward audit verify → intact, ${result.checked} records`);
    return result;
  }

  // 9. The IdP deactivates Alice while her endpoint long-polls; the next session is refused.
  private async revoke(alice: string, heldVersion: number): Promise<StoryResult['revocation']> {
    this.say('9. SCIM deactivates Alice; the endpoint is syncing (long-poll)');
    const sync = spawn(
      process.execPath,
      [
        path.join(this.env.root, 'bin/steward-agent.js'),
        '--state-dir',
        this.stateDir,
        'sync',
        '--wait',
        '30',
      ],
      {
        cwd: this.env.root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          STEWARD_CLAUDE_CODE_DIR: path.join(this.env.workDir, 'claude-code'),
        },
      },
    );
    try {
      let output = '';
      const revokedBundle = new Promise<{ version: number; at: number }>((resolve, reject) => {
        sync.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /policy bundle version (\d+) verified/.exec(output);
          if (match && Number(match[1]) > heldVersion) {
            resolve({ version: Number(match[1]), at: performance.now() });
          }
        });
        sync.once('exit', (code) => reject(new StoryError(`sync exited (${code}): ${output}`)));
      });
      // Hold the PATCH until the runtime's long-poll is waiting, so the wake-up is what we time.
      await this.untilLongPollHeld(sync.pid!);
      const patchedAt = performance.now();
      await this.scim('PATCH', `Users/${alice}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      this.say('   PATCH /scim/v2/Users/{alice} active=false');
      const timeout = setTimeout(() => sync.kill('SIGTERM'), 30_000);
      const revoked = await revokedBundle.finally(() => clearTimeout(timeout));
      const reachedMs = revoked.at - patchedAt;
      this.say(
        `   steward-agent sync → bundle version ${revoked.version} (access revoked) after ${Math.round(reachedMs)} ms`,
      );
      const refused = await this.runSession(
        this.scriptFile('after-revocation', [{ tool: 'read_file', input: { path: 'notes.md' } }]),
      );
      const refusedMs = performance.now() - patchedAt;
      expectThat(refused.code === 3, `a revoked person's session ran (exit ${refused.code})`);
      const refusal = refused.stderr.trim().split('\n').at(-1) ?? '';
      this.say(`   steward-agent run → refused: ${refusal}`);
      return {
        bundleVersion: revoked.version,
        bundleReachedEndpointMs: reachedMs,
        sessionRefusedMs: refusedMs,
        refusal,
      };
    } finally {
      sync.kill('SIGTERM');
    }
  }

  // The runtime's first sync request is a long-poll holding the current ETag. The PATCH waits until
  // that request's connection to the endpoint replica is open (Linux: the process's sockets in
  // /proc), so what is timed is the wake-up of a held long-poll, not a fresh pull.
  private async untilLongPollHeld(pid: number): Promise<void> {
    const port = Number(new URL(this.env.endpointUrl).port);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (connectedTo(pid, port)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new StoryError('steward-agent sync never connected to the endpoint replica');
  }
}

// Whether process `pid` has an established TCP connection to `port` (from /proc/net/tcp{,6}).
function connectedTo(pid: number, port: number): boolean {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      fs
        .readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          } catch {
            return undefined;
          }
        })
        .filter((inode): inode is string => inode !== undefined),
    );
  } catch {
    return false;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((table) =>
    fs
      .readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .some(
        (fields) =>
          fields[2]?.endsWith(`:${portHex}`) && fields[3] === '01' && inodes.has(fields[9] ?? ''),
      ),
  );
}
