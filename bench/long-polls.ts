// The load generator of `npm run bench -- deprovision`, in a process of its own (forked, talking
// over IPC) so that holding thousands of sockets does not slow the process that times the
// deactivations. Each endpoint long-polls as steward-agent does: GET /bundle?wait=55 with the ETag
// it holds, again as soon as it is answered. When an endpoint receives a bundle whose signed
// header says `access: "revoked"` for it, the generator reports the moment (process.hrtime, the
// machine's monotonic clock, which the parent process shares).
import http from 'node:http';

export interface PollTarget {
  endpointId: string;
  credential: string;
  // The API process this endpoint polls.
  apiUrl: string;
}

export type ToGenerator = { type: 'hold'; endpoints: PollTarget[] } | { type: 'stop' };

export type FromGenerator =
  | { type: 'held'; count: number; errors: number }
  | { type: 'revoked'; endpointId: string; at: string };

const WAIT_SECONDS = 55;
// Endpoints whose first pull is in flight at once: a burst of thousands of connections at one
// moment overflows the listen backlog, which no real fleet does.
const RAMP = 200;
const RETRY_MS = 1000;

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let stopping = false;
let errors = 0;

interface Answer {
  status: number;
  etag: string | null;
  body: Buffer;
}

function pull(target: PollTarget, etag: string | null): Promise<Answer> {
  const wait = etag ? `?wait=${WAIT_SECONDS}` : '';
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${target.apiUrl}/api/v1/endpoints/bundle${wait}`,
      {
        agent,
        headers: {
          authorization: `Bearer ${target.credential}`,
          ...(etag ? { 'if-none-match': etag } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            etag: (response.headers.etag as string | undefined) ?? null,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

// The signed header's `access` for this endpoint (the envelope's payload, base64url JSON). The
// signature is the runtime's business (its cost is measured by the runtime bench); this only
// reads what the bundle says.
function revokedFor(target: PollTarget, body: Buffer): boolean {
  const envelope = JSON.parse(body.toString('utf8')) as { payload: string };
  const header = JSON.parse(Buffer.from(envelope.payload, 'base64url').toString('utf8')) as {
    access: string;
    subject: { endpointId: string };
  };
  return header.access === 'revoked' && header.subject.endpointId === target.endpointId;
}

// Pulls once, then long-polls until the generator stops; `started` runs once the first long-poll
// has been sent, or the first pull failed (it is retried; the failure is counted).
async function pollForever(target: PollTarget, started: () => void): Promise<void> {
  let etag: string | null = null;
  let reported = false;
  while (!stopping) {
    const sent = pull(target, etag);
    if (etag) started();
    try {
      const answer = await sent;
      if (answer.status === 200) {
        etag = answer.etag;
        if (!reported && revokedFor(target, answer.body)) {
          reported = true;
          const at = process.hrtime.bigint().toString();
          process.send!({ type: 'revoked', endpointId: target.endpointId, at } as FromGenerator);
        }
      } else if (answer.status !== 304) {
        throw new Error(`answered ${answer.status}`);
      }
    } catch {
      if (stopping) return;
      errors++;
      started();
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

async function hold(endpoints: PollTarget[]): Promise<void> {
  for (let start = 0; start < endpoints.length; start += RAMP) {
    const chunk = endpoints.slice(start, start + RAMP);
    await Promise.all(
      chunk.map(
        (target) =>
          new Promise<void>((resolve) => {
            void pollForever(target, resolve);
          }),
      ),
    );
    if ((start + RAMP) % 1000 === 0)
      console.log(`  ${start + RAMP} of ${endpoints.length} polling`);
  }
  process.send!({ type: 'held', count: endpoints.length, errors } as FromGenerator);
}

process.on('message', (message: ToGenerator) => {
  if (message.type === 'hold') void hold(message.endpoints);
  if (message.type === 'stop') {
    stopping = true;
    agent.destroy();
    process.exit(0);
  }
});
