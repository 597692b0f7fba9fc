import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import { resolveSecretKey, SecretBox } from '../../platform/crypto/secret-key';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { mapConcurrently } from '../../platform/map-concurrently';
import { AuditService } from '../audit/audit.service';
import { SpendClock } from './spend-clock';
import { SpendError, SpendErrorCode } from './spend.errors';
import { SpendAlertsRepository } from './spend-alerts.repository';
import { SpendLimitsService } from './spend-limits.service';

const SEND_TIMEOUT_MS = 10_000;
// The sweep re-sends alerts of the last day whose job was lost; older ones are left alone. It
// takes at most SWEEP_LIMIT alerts of an organization, ORGANIZATIONS_AT_ONCE organizations at a
// time: one organization's backlog, or a webhook that never answers, holds up no other.
const SWEEP_WINDOW_MS = 24 * 3600_000;
const SWEEP_LIMIT = 100;
const ORGANIZATIONS_AT_ONCE = 4;
export const SIGNATURE_HEADER = 'steward-signature';
export const WEBHOOK_SECRET_PREFIX = 'stw_whsec_';

// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with the
// secret it was shown once, and refuses old timestamps (replay).
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export interface SpendAlertPayload {
  id: string;
  type: 'spend.threshold_reached';
  organizationId: string;
  limitId: string;
  subjectType: string | null;
  subjectId: string | null;
  periodKey: string;
  threshold: number;
  spentUsd: string;
  limitUsd: string;
  createdAt: string;
}

// A crossed threshold (one SpendAlert row, written by the settle that crossed it) becomes one
// audit record and one signed webhook. The row is locked while it is handled, so a job and the
// sweep never both send it; a failed send fails the job, which BullMQ retries with back-off.
@Injectable()
export class SpendAlertsService {
  private readonly logger = new Logger('SpendAlerts');
  private readonly box: SecretBox;

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly repository: SpendAlertsRepository,
    private readonly limits: SpendLimitsService,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly clock: SpendClock,
  ) {
    this.box = new SecretBox(resolveSecretKey(config), 'spend-webhook');
  }

  // `deliver: false` writes the audit record only.
  async handle(alertId: string, { deliver = true } = {}): Promise<void> {
    // First the audit record (short: the organization's audit chain is locked while it is
    // written), then the delivery, each under the alert row's lock.
    const payload = await this.repository.transaction(async (tx) => {
      const alert = await this.repository.lockAlert(tx, alertId);
      if (!alert) return null;
      // The limit may have been deleted since: the alert is still sent, without its subject.
      const limit = await this.limits.find(alert.organizationId, alert.limitId);
      const payload: SpendAlertPayload = {
        id: alert.id,
        type: 'spend.threshold_reached',
        organizationId: alert.organizationId,
        limitId: alert.limitId,
        subjectType: limit?.subjectType ?? null,
        subjectId: limit?.subjectId ?? null,
        periodKey: alert.periodKey,
        threshold: alert.threshold,
        spentUsd: alert.spentUsd,
        limitUsd: alert.limitUsd,
        createdAt: alert.createdAt.toISOString(),
      };
      if (!alert.auditedAt) {
        await this.audit.record(
          alert.organizationId,
          {
            actorType: 'system',
            action: 'spend.threshold_reached',
            resourceType: 'spend_limit',
            resourceId: alert.limitId,
            data: { ...payload },
          },
          tx,
        );
        await this.repository.markAudited(tx, alert.id);
      }
      return alert.deliveredAt ? null : payload;
    });
    if (!payload || !deliver) return;

    const outcome = await this.repository.transaction(
      async (tx) => {
        const alert = await this.repository.lockAlert(tx, alertId);
        if (!alert || alert.deliveredAt) return {};
        const webhook = await this.repository.webhook(alert.organizationId, tx);
        if (!webhook?.enabled) return {};
        try {
          await this.send(webhook, payload);
          await this.repository.markDelivered(tx, alert.id);
          return {};
        } catch (error) {
          await this.repository.recordDeliveryFailure(tx, alert.id, String(error).slice(0, 500));
          return { error };
        }
      },
      { timeout: SEND_TIMEOUT_MS * 2 },
    );
    if (outcome.error) throw outcome.error;
  }

  private async send(
    webhook: { url: string; secretSealed: Uint8Array; organizationId: string },
    payload: SpendAlertPayload,
  ): Promise<void> {
    const secret = this.box
      .open(Buffer.from(webhook.secretSealed), webhook.organizationId)
      .toString('utf8');
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'steward-event-id': payload.id,
        [SIGNATURE_HEADER]: signWebhook(secret, body, timestamp),
      },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  }

  async sweep(): Promise<void> {
    const since = new Date(this.clock.now().getTime() - SWEEP_WINDOW_MS);
    await mapConcurrently(
      await this.repository.organizationsWithPendingAlerts(since),
      ORGANIZATIONS_AT_ONCE,
      (organizationId) => this.sweepOrganization(organizationId, since),
    );
  }

  // Every pending alert is audited; delivery stops at the organization's first failure (its
  // alerts all go to one webhook): a webhook that is down costs one attempt and one warning a
  // sweep.
  private async sweepOrganization(organizationId: string, since: Date): Promise<void> {
    let deliver = true;
    const pending = await this.repository.pendingAlertIds(organizationId, since, SWEEP_LIMIT);
    for (const alertId of pending) {
      try {
        await this.handle(alertId, { deliver });
      } catch (error) {
        this.logger.warn(
          `organization ${organizationId}: spend alert ${alertId} not delivered yet, its later ` +
            `alerts wait for the next sweep: ${String(error)}`,
        );
        deliver = false;
      }
    }
  }

  enqueue(alertId: string): Promise<unknown> {
    return this.jobs.enqueue(
      JobName.SpendAlert,
      { alertId },
      { jobId: `spend-alert-${alertId}`, attempts: 8 },
    );
  }

  // ---- webhook configuration (console) ------------------------------------------------------

  webhook(organizationId: string) {
    return this.repository.webhook(organizationId);
  }

  // Returns the signing secret only when one is made (first set, or rotateSecret): shown once.
  async setWebhook(
    organizationId: string,
    input: { url: string; enabled: boolean; rotateSecret: boolean },
    actor: { id: string },
  ): Promise<{ url: string; enabled: boolean; updatedAt: Date; secret: string | null }> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new SpendError(SpendErrorCode.Invalid, `not a URL: ${input.url}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SpendError(SpendErrorCode.Invalid, 'the webhook URL must be http(s)');
    }
    const existing = await this.repository.webhook(organizationId);
    const secret =
      !existing || input.rotateSecret
        ? `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`
        : null;
    const row = await this.repository.transaction(async (tx) => {
      const saved = await this.repository.upsertWebhook(tx, organizationId, {
        url: url.toString(),
        enabled: input.enabled,
        ...(secret
          ? { secretSealed: new Uint8Array(this.box.seal(Buffer.from(secret), organizationId)) }
          : {}),
      });
      await this.audit.record(
        organizationId,
        {
          actorType: 'admin',
          actorId: actor.id,
          action: 'spend.webhook.set',
          resourceType: 'spend_webhook',
          resourceId: organizationId,
          data: { url: saved.url, enabled: saved.enabled, secretRotated: secret !== null },
        },
        tx,
      );
      return saved;
    });
    return { url: row.url, enabled: row.enabled, updatedAt: row.updatedAt, secret };
  }

  async deleteWebhook(organizationId: string, actor: { id: string }): Promise<boolean> {
    return this.repository.transaction(async (tx) => {
      const deleted = await this.repository.deleteWebhook(tx, organizationId);
      if (deleted) {
        await this.audit.record(
          organizationId,
          {
            actorType: 'admin',
            actorId: actor.id,
            action: 'spend.webhook.deleted',
            resourceType: 'spend_webhook',
            resourceId: organizationId,
          },
          tx,
        );
      }
      return deleted;
    });
  }
}
