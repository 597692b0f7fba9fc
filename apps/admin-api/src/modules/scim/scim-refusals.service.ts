import { Injectable, Logger } from '@nestjs/common';
import { ScimRefusalsRepository } from './scim-refusals.repository';
import type { ScimRefusalRecord, ScimRefusalWrite } from './scim-refusals.repository';

// Refusals kept per organization: enough to see what an IdP's latest sync ran into.
const KEPT = 100;
const MAX_PATH = 512;
const MAX_DETAIL = 1000;

// Postgres text cannot hold U+0000, and an identity provider's input quoted in a refusal may: the
// byte is kept as the escape `\u0000`, so the refusal is stored and shows what was sent.
const storable = (text: string): string => text.replaceAll('\u0000', '\\u0000');

// What the Provisioning screen shows under "Refused requests": the SCIM requests of an
// authenticated identity provider that were answered with an error, newest first.
@Injectable()
export class ScimRefusals {
  private readonly logger = new Logger('ScimRefusals');

  constructor(private readonly refusals: ScimRefusalsRepository) {}

  // Best effort, after the answer: a refusal that cannot be written (the database being what
  // failed, say) is only logged.
  note(organizationId: string, refusal: ScimRefusalWrite): void {
    const kept = {
      ...refusal,
      path: storable(refusal.path).slice(0, MAX_PATH),
      detail: storable(refusal.detail).slice(0, MAX_DETAIL),
    };
    void this.refusals
      .record(organizationId, kept, KEPT)
      .catch((error: unknown) =>
        this.logger.warn(`SCIM refusal not kept for ${organizationId}: ${String(error)}`),
      );
  }

  latest(organizationId: string, take: number): Promise<ScimRefusalRecord[]> {
    return this.refusals.latest(organizationId, Math.min(Math.max(take, 1), KEPT));
  }
}
