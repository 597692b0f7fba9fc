import fc from 'fast-check';
import http from 'node:http';
import { fuzzRequests } from './arbitraries';
import type { FuzzIds, FuzzRequest } from './arbitraries';

// Sends generated hostile requests to a running API's /scim/v2 (the test with a fixed seed, `npm run
// bench -- scim-fuzz` with a random one) and checks what must hold whatever the input: no 5xx,
// every 4xx a SCIM error document, races on userName and If-Match settled one winner each, and
// canary resources unchanged byte for byte.

export interface FuzzOptions {
  // SCIM tokens of the fuzzed organization and of another one.
  token: string;
  foreignToken: string;
  seed: number;
  requests: number;
  concurrency: number;
}

export interface FuzzReport {
  sent: number;
  statuses: Record<string, number>;
  failures: string[];
  seconds: number;
  // Process CPU time (server and client: they share the process in the suite).
  cpuSeconds: number;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
// Concurrent requests per race.
const RACE_SIZE = 8;

export type Send = (request: FuzzRequest, token: string) => Promise<Answer>;

function headersOf(request: FuzzRequest, token: string, body: Buffer | undefined) {
  return {
    authorization: `Bearer ${token}`,
    ...(body ? { 'content-type': 'application/scim+json', 'content-length': body.length } : {}),
    ...request.headers,
  };
}

// Through Fastify's inject: the API's whole request handling without sockets or an HTTP parser,
// so the suite's 10,000 requests cost the server's work only.
export function injectTransport(app: {
  inject(
    options: object,
  ): Promise<{ statusCode: number; headers: Answer['headers']; body: string }>;
}): { send: Send; close: () => void } {
  const send: Send = async (request, token) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const answer = await app.inject({
      method: request.method,
      url: `/scim/v2${request.path}`,
      headers: headersOf(request, token, body),
      ...(body ? { payload: body } : {}),
    });
    return { status: answer.statusCode, headers: answer.headers, text: answer.body };
  };
  return { send, close: () => undefined };
}

// A keep-alive node:http client: raw paths (dot segments and bad percent-encoding included) reach
// the server as sent.
export function httpTransport(url: string, concurrency: number): { send: Send; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const { hostname, port } = new URL(url);
  const send: Send = (request, token) =>
    new Promise((resolve, reject) => {
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const outgoing = http.request(
        {
          hostname,
          port,
          path: `/scim/v2${request.path}`,
          method: request.method,
          agent,
          headers: headersOf(request, token, body),
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
          );
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return { send, close: () => agent.destroy() };
}

function json(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>;
}

// What must hold of any answer; undefined when it does.
function violation(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500 || answer.status < 200) return 'a status outside 2xx-4xx';
  if (answer.status < 400 || request.method === 'HEAD') return undefined;
  if (!String(answer.headers['content-type']).startsWith('application/scim+json'))
    return `an error with content type ${answer.headers['content-type']}`;
  try {
    const body = json(answer);
    if (!(body.schemas as unknown[]).includes(ERROR_SCHEMA)) return 'an error without its schema';
    if (body.status !== String(answer.status)) return `an error with status ${String(body.status)}`;
  } catch {
    return 'an error that is not a SCIM error document';
  }
  if (answer.status === 401 && !answer.headers['www-authenticate'])
    return 'a 401 without WWW-Authenticate';
  return undefined;
}

interface Fixture {
  ids: FuzzIds;
  // Resources no request names (and another organization's, which requests do name), as read.
  canaries: { path: string; token: string; text: string }[];
}

async function created(send: Send, token: string, path: string, body: unknown): Promise<string> {
  const answer = await send(
    { method: 'POST', path, headers: {}, body: JSON.stringify(body) },
    token,
  );
  if (answer.status !== 201) throw new Error(`set-up ${path}: ${answer.status} ${answer.text}`);
  return json(answer).id as string;
}

const user = (tag: string) => ({
  schemas: [USER],
  userName: `${tag}-${Math.random().toString(36).slice(2)}@fuzz.example`,
  active: true,
  emails: [{ value: `${tag}@fuzz.example`, type: 'work', primary: true }],
});

async function fixture(send: Send, options: FuzzOptions): Promise<Fixture> {
  const { token, foreignToken } = options;
  const victimUsers: string[] = [];
  for (let index = 0; index < 6; index++)
    victimUsers.push(await created(send, token, '/Users', user(`victim${index}`)));
  const victimGroups = [
    await created(send, token, '/Groups', {
      schemas: [GROUP],
      displayName: 'Victims',
      members: victimUsers.slice(0, 2).map((value) => ({ value })),
    }),
    await created(send, token, '/Groups', { schemas: [GROUP], displayName: 'Empty' }),
  ];
  const canaryUser = await created(send, token, '/Users', user('canary'));
  const canaryGroup = await created(send, token, '/Groups', {
    schemas: [GROUP],
    displayName: 'Canary',
    members: [{ value: canaryUser }],
  });
  const foreignUser = await created(send, foreignToken, '/Users', user('foreign'));
  const foreignGroup = await created(send, foreignToken, '/Groups', {
    schemas: [GROUP],
    displayName: 'Foreign',
    members: [{ value: foreignUser }],
  });
  const read = async (path: string, owner: string) => ({
    path,
    token: owner,
    text: (await send({ method: 'GET', path, headers: {} }, owner)).text,
  });
  return {
    ids: { victimUsers, victimGroups, foreignUser, foreignGroup },
    canaries: [
      await read(`/Users/${canaryUser}`, token),
      await read(`/Groups/${canaryGroup}`, token),
      await read(`/Users/${foreignUser}`, foreignToken),
      await read(`/Groups/${foreignGroup}`, foreignToken),
    ],
  };
}

// Races: the same userName created concurrently (in different cases), and concurrent writes
// carrying the same If-Match. Each must end with exactly one winner.
async function race(send: Send, token: string, round: number): Promise<string[]> {
  const failures: string[] = [];
  const name = `race${round}-${Math.random().toString(36).slice(2)}@fuzz.example`;
  const creates = await Promise.all(
    Array.from({ length: RACE_SIZE }, (_, index) =>
      send(
        {
          method: 'POST',
          path: '/Users',
          headers: {},
          body: JSON.stringify({
            ...user('race'),
            userName: index % 2 ? name.toUpperCase() : name,
          }),
        },
        token,
      ),
    ),
  );
  const statuses = creates.map((answer) => answer.status).sort();
  if (statuses.join() !== [201, ...Array(RACE_SIZE - 1).fill(409)].join())
    failures.push(`userName race answered ${statuses.join()}`);
  const id = json(creates.find((answer) => answer.status === 201) ?? creates[0]).id;
  const patches = await Promise.all(
    Array.from({ length: RACE_SIZE }, (_, index) =>
      send(
        {
          method: 'PATCH',
          path: `/Users/${String(id)}`,
          headers: { 'if-match': 'W/"1"' },
          body: JSON.stringify({
            schemas: [PATCH_OP],
            Operations: [{ op: 'replace', path: 'title', value: `writer ${index}` }],
          }),
        },
        token,
      ),
    ),
  );
  const versions = patches.map((answer) => answer.status).sort();
  if (versions.join() !== [200, ...Array(RACE_SIZE - 1).fill(412)].join())
    failures.push(`If-Match race answered ${versions.join()}`);
  return failures;
}

export async function runScimFuzz(
  transport: { send: Send; close: () => void },
  options: FuzzOptions,
): Promise<FuzzReport> {
  const started = Date.now();
  const cpu = process.cpuUsage();
  const { send, close } = transport;
  try {
    const { ids, canaries } = await fixture(send, options);
    const rounds = Math.ceil(options.requests / 50 / (RACE_SIZE * 2));
    const requests = fc.sample(fuzzRequests(ids), {
      seed: options.seed,
      numRuns: options.requests - rounds * RACE_SIZE * 2,
    });
    const statuses: Record<string, number> = {};
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++];
        const answer = await send(request, options.token);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const problem = violation(request, answer);
        if (problem && failures.length < 20)
          failures.push(
            `${request.method} ${request.path.slice(0, 120)} -> ${answer.status}: ${problem} ${answer.text.slice(0, 200)}`,
          );
      }
    };
    await Promise.all([
      ...Array.from({ length: options.concurrency }, worker),
      (async () => {
        for (let round = 0; round < rounds; round++)
          failures.push(...(await race(send, options.token, round)));
      })(),
    ]);
    for (const canary of canaries) {
      const now = await send({ method: 'GET', path: canary.path, headers: {} }, canary.token);
      if (now.text !== canary.text) failures.push(`canary ${canary.path} changed: ${now.text}`);
    }
    const sent = requests.length + rounds * RACE_SIZE * 2;
    const used = process.cpuUsage(cpu);
    return {
      sent,
      statuses,
      failures,
      seconds: (Date.now() - started) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  } finally {
    close();
  }
}
