import { MAX_SIGNED_BYTES } from '@steward/policy';
import {
  AnswerTooLarge,
  boundedRequest,
  type BoundedAnswer,
  type BoundedRequest,
} from './bounded-http';
import type { Enrolment } from './state-store';

// The most the runtime reads of each answer, whatever the server sends: a bundle is at most what
// the verifier accepts; a trust set is a few hundred bytes a key, so a megabyte holds hundreds of
// rotations; anything else (leases, event receipts, problems) is small.
const RESPONSE_LIMITS = {
  bundle: MAX_SIGNED_BYTES,
  trustSets: 1024 * 1024,
  enrolment: 1024 * 1024,
  other: 64 * 1024,
} as const;

// HTTP client for docs/endpoint-protocol.md. Errors carry the status so callers can tell "the
// control plane is down" (retry, keep the last good bundle) from "we were refused" (401: re-enrol).
export class ControlPlaneError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code?: string,
  ) {
    super(message);
  }

  get unreachable(): boolean {
    return this.status === null || this.status >= 500;
  }
}

export interface EnrolRequest {
  user: string;
  deviceName: string;
  os: Enrolment['os'];
  runtimeVersion: string;
}

export interface EnrolResponse {
  endpointId: string;
  organizationId: string;
  userId: string;
  credential: string;
  trustSet: string;
}

export type BundlePull =
  | { status: 'unchanged'; trustSetVersion: number | null }
  | { status: 'changed'; bytes: Buffer; etag: string | null; trustSetVersion: number | null };

export interface StatusReport {
  bundleVersion: number | null;
  verified: boolean;
  reason?: string;
  trustSetVersion: number | null;
  runtimeVersion: string;
  errors: { code: string; message: string }[];
}

export interface BudgetStatus {
  subjectType: 'user' | 'group';
  period: 'day' | 'week' | 'month';
  enforcement: 'hard' | 'soft';
  limitUsd: string;
  remainingUsd: string;
  resetsAt: string;
}

export class ControlPlaneClient {
  constructor(
    private readonly server: string,
    private readonly credential: string,
  ) {}

  static async enrol(server: string, token: string, request: EnrolRequest): Promise<EnrolResponse> {
    const answer = await send(`${base(server)}/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
      limit: RESPONSE_LIMITS.enrolment,
    });
    return json(answer) as EnrolResponse;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.credential}`, ...extra };
  }

  async pullBundle(etag: string | null, waitSeconds?: number, signal?: AbortSignal) {
    const query = waitSeconds ? `?wait=${waitSeconds}` : '';
    const answer = await send(`${base(this.server)}/bundle${query}`, {
      headers: this.headers(etag ? { 'if-none-match': etag } : {}),
      signal,
      limit: RESPONSE_LIMITS.bundle,
    });
    const trustHeader = answer.header('steward-trust-set-version');
    const trustSetVersion = trustHeader === null ? null : Number(trustHeader);
    if (answer.status === 304) return { status: 'unchanged', trustSetVersion } as BundlePull;
    return {
      status: 'changed',
      bytes: answer.body,
      etag: answer.header('etag'),
      trustSetVersion,
    } as BundlePull;
  }

  async trustSetUpdates(since: number): Promise<{ version: number; updates: string[] }> {
    const answer = await send(`${base(this.server)}/trust-set?since=${since}`, {
      headers: this.headers(),
      limit: RESPONSE_LIMITS.trustSets,
    });
    return json(answer) as { version: number; updates: string[] };
  }

  async reportStatus(report: StatusReport): Promise<void> {
    await this.post('/status', report);
  }

  // `settle`: the settlement of this endpoint's previous lease, made first in the same request.
  async createLease(
    amountUsd: string,
    idempotencyKey: string,
    settle?: { leaseId: string; costUsd: string },
  ): Promise<{ id: string; amountUsd: string }> {
    const answer = await this.post('/spend/leases', {
      amountUsd,
      idempotencyKey,
      ...(settle ? { settle } : {}),
    });
    return json(answer) as { id: string; amountUsd: string };
  }

  async settleLease(id: string, costUsd: string): Promise<void> {
    await this.post(`/spend/leases/${encodeURIComponent(id)}/settle`, { costUsd });
  }

  // What the runtime last applied to the agents it governs (Claude Code's managed files).
  async reportAgents(agents: object[]): Promise<void> {
    await this.post('/agents', { agents });
  }

  // The person's spend budgets in their current periods (a governed agent's prompt check).
  async budgets(signal?: AbortSignal): Promise<{ budgets: BudgetStatus[] }> {
    const answer = await send(`${base(this.server)}/spend/budgets`, {
      headers: this.headers(),
      signal,
      limit: RESPONSE_LIMITS.other,
    });
    return json(answer) as { budgets: BudgetStatus[] };
  }

  async uploadEvents(body: string): Promise<{ rejected?: { index: number }[] }> {
    return json(await this.post('/events', body)) as { rejected?: { index: number }[] };
  }

  private post(route: string, body: unknown): Promise<BoundedAnswer> {
    return send(`${base(this.server)}${route}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: typeof body === 'string' ? body : JSON.stringify(body),
      limit: RESPONSE_LIMITS.other,
    });
  }
}

function base(server: string): string {
  return `${server.replace(/\/+$/, '')}/api/v1/endpoints`;
}

function json(answer: BoundedAnswer): unknown {
  return JSON.parse(answer.body.toString('utf8'));
}

async function send(url: string, request: BoundedRequest): Promise<BoundedAnswer> {
  let answer: BoundedAnswer;
  try {
    answer = await boundedRequest(url, request);
  } catch (error) {
    if (error instanceof AnswerTooLarge) {
      throw new ControlPlaneError(
        `the control plane's answer is larger than ${error.limit} bytes; refused`,
        error.status,
        'response_too_large',
      );
    }
    throw new ControlPlaneError(`control plane unreachable: ${(error as Error).message}`, null);
  }
  if ((answer.status >= 200 && answer.status < 300) || answer.status === 304) return answer;
  let detail = `status ${answer.status}`;
  let code: string | undefined;
  try {
    const problem = json(answer) as { detail?: string; title?: string; code?: string };
    detail = problem.detail ?? problem.title ?? detail;
    code = problem.code;
  } catch {
    // not a problem+json body
  }
  throw new ControlPlaneError(`${answer.status} ${detail}`, answer.status, code);
}
