import { verifyBundle, verifyTrustSetUpdate } from '@steward/policy';
import type { VerifiedBundle } from '@steward/policy';

// An enrolled endpoint as a pull needs it.
export interface PullingEndpoint {
  userId: string;
  endpointId: string;
  credential: string;
  // The signed trust set it received at enrolment (verifies its bundles).
  trustSet: string;
}

export interface HeldBundle {
  etag: string;
  bundle: VerifiedBundle;
}

// The endpoint's current bundle through `base`, verified as the runtime verifies it.
export async function pullBundle(
  base: string,
  organizationId: string,
  endpoint: PullingEndpoint,
): Promise<HeldBundle> {
  const response = await fetch(`${base}/api/v1/endpoints/bundle`, {
    headers: { authorization: `Bearer ${endpoint.credential}` },
  });
  if (response.status !== 200) throw new Error(`bundle pull answered ${response.status}`);
  return verifiedBundle(response, organizationId, endpoint);
}

// Long-polls the endpoint's bundle through `base`, as the runtime does (If-None-Match, `wait`),
// until it holds a bundle for which `accept` holds (`from` itself, if it does). A 503 or a refused
// connection is retried.
export async function pollBundleUntil(
  base: string,
  organizationId: string,
  endpoint: PullingEndpoint,
  from: HeldBundle,
  accept: (bundle: VerifiedBundle) => boolean,
  signal?: AbortSignal,
): Promise<HeldBundle> {
  let current = from;
  if (accept(current.bundle)) return current;
  for (;;) {
    signal?.throwIfAborted();
    let response: Response;
    try {
      response = await fetch(`${base}/api/v1/endpoints/bundle?wait=20`, {
        headers: {
          authorization: `Bearer ${endpoint.credential}`,
          'if-none-match': current.etag,
        },
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (response.status === 200) {
      current = await verifiedBundle(response, organizationId, endpoint, current.bundle.version);
      if (accept(current.bundle)) return current;
    } else if (response.status === 503) {
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 200));
    } else if (response.status === 304) {
      await response.arrayBuffer();
    } else {
      throw new Error(`bundle long-poll answered ${response.status}: ${await response.text()}`);
    }
  }
}

// A 200 answer's bundle, verified against the endpoint's trust set and the version it holds.
export async function verifiedBundle(
  response: Response,
  organizationId: string,
  endpoint: PullingEndpoint,
  heldVersion = 0,
): Promise<HeldBundle> {
  const trust = verifyTrustSetUpdate(Buffer.from(endpoint.trustSet), {
    held: null,
    expectedOrg: organizationId,
  });
  if (!trust.ok) throw new Error(`trust set refused: ${trust.reason}`);
  const result = verifyBundle(Buffer.from(await response.arrayBuffer()), {
    trustSet: trust.trustSet,
    expectedOrg: organizationId,
    expectedSubject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
    heldVersion,
  });
  if (!result.ok) throw new Error(`bundle refused: ${result.reason}`);
  return { etag: response.headers.get('etag')!, bundle: result.bundle };
}
