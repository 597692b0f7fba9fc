import type { Enrolment } from './state-store';

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

export class ControlPlaneClient {
  constructor(
    private readonly server: string,
    private readonly credential: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  static async enrol(
    server: string,
    token: string,
    request: EnrolRequest,
    fetchImpl: typeof fetch = fetch,
  ): Promise<EnrolResponse> {
    const response = await send(fetchImpl, `${base(server)}/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    return (await response.json()) as EnrolResponse;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.credential}`, ...extra };
  }

  async pullBundle(etag: string | null, waitSeconds?: number, signal?: AbortSignal) {
    const query = waitSeconds ? `?wait=${waitSeconds}` : '';
    const response = await send(this.fetchImpl, `${base(this.server)}/bundle${query}`, {
      headers: this.headers(etag ? { 'if-none-match': etag } : {}),
      signal,
    });
    const trustHeader = response.headers.get('steward-trust-set-version');
    const trustSetVersion = trustHeader === null ? null : Number(trustHeader);
    if (response.status === 304) return { status: 'unchanged', trustSetVersion } as BundlePull;
    return {
      status: 'changed',
      bytes: Buffer.from(await response.arrayBuffer()),
      etag: response.headers.get('etag'),
      trustSetVersion,
    } as BundlePull;
  }

  async trustSetUpdates(since: number): Promise<{ version: number; updates: string[] }> {
    const response = await send(this.fetchImpl, `${base(this.server)}/trust-set?since=${since}`, {
      headers: this.headers(),
    });
    return (await response.json()) as { version: number; updates: string[] };
  }

  async reportStatus(report: StatusReport): Promise<void> {
    await send(this.fetchImpl, `${base(this.server)}/status`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(report),
    });
  }

  async createLease(
    amountUsd: string,
    idempotencyKey: string,
  ): Promise<{ id: string; amountUsd: string }> {
    const response = await send(this.fetchImpl, `${base(this.server)}/spend/leases`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ amountUsd, idempotencyKey }),
    });
    return (await response.json()) as { id: string; amountUsd: string };
  }

  async settleLease(id: string, costUsd: string): Promise<void> {
    await send(
      this.fetchImpl,
      `${base(this.server)}/spend/leases/${encodeURIComponent(id)}/settle`,
      {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({ costUsd }),
      },
    );
  }

  async uploadEvents(body: string): Promise<{ rejected?: { index: number }[] }> {
    const response = await send(this.fetchImpl, `${base(this.server)}/events`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body,
    });
    return (await response.json()) as { rejected?: { index: number }[] };
  }
}

function base(server: string): string {
  return `${server.replace(/\/+$/, '')}/api/v1/endpoints`;
}

async function send(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (error) {
    throw new ControlPlaneError(`control plane unreachable: ${(error as Error).message}`, null);
  }
  if (response.ok || response.status === 304) return response;
  let detail = response.statusText;
  let code: string | undefined;
  try {
    const problem = (await response.json()) as { detail?: string; title?: string; code?: string };
    detail = problem.detail ?? problem.title ?? detail;
    code = problem.code;
  } catch {
    // not a problem+json body
  }
  throw new ControlPlaneError(`${response.status} ${detail}`, response.status, code);
}
