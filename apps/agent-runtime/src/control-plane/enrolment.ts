import { verifyTrustSetUpdate } from '@steward/policy';
import { RUNTIME_VERSION } from './bundle-manager';
import { ControlPlaneClient } from './control-plane-client';
import type { Enrolment, StateStore } from './state-store';

export interface EnrolOptions {
  server: string;
  token: string;
  user: string;
  deviceName: string;
  os: Enrolment['os'];
  account?: string;
}

/** The control plane's trust set does not verify: nothing was stored. */
export class TrustAnchorRefused extends Error {}

/**
 * Enrols this computer: the control plane answers with the endpoint's credential and the
 * organization's current trust set, which becomes the trust anchor every later set is verified
 * from. It must be signed by its own active key; then the enrolment and an empty chain are stored.
 */
export async function enrolEndpoint(store: StateStore, options: EnrolOptions): Promise<Enrolment> {
  const response = await ControlPlaneClient.enrol(options.server, options.token, {
    user: options.user,
    deviceName: options.deviceName,
    os: options.os,
    runtimeVersion: RUNTIME_VERSION,
  });
  const anchor = Buffer.from(response.trustSet, 'utf8');
  const trust = verifyTrustSetUpdate(anchor, {
    held: null,
    expectedOrg: response.organizationId,
  });
  if (!trust.ok) {
    throw new TrustAnchorRefused(`the trust set is refused (${trust.reason}: ${trust.detail})`);
  }
  const enrolment: Enrolment = {
    server: options.server,
    organizationId: response.organizationId,
    userId: response.userId,
    endpointId: response.endpointId,
    credential: response.credential,
    deviceName: options.deviceName,
    os: options.os,
    trustAnchor: response.trustSet,
    ...(options.account ? { account: options.account } : {}),
  };
  store.saveTrustChain([]);
  store.saveEnrolment(enrolment);
  return enrolment;
}
