import { Injectable } from '@nestjs/common';
import type { RedactionMode } from '@steward/telemetry';
import { randomBytes } from 'node:crypto';
import { TelemetryCollector } from '../../generated/prisma/client';
import { ActorType, AuditService } from '../audit/audit.service';
import { CollectorRepository } from './collector.repository';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';

export const REDACTION_MODES: readonly RedactionMode[] = ['keep', 'hash', 'drop'];

export interface CollectorSettings {
  endpoint: string;
  enabled: boolean;
  headers: { name: string; value: string }[];
  redactPrompts: RedactionMode;
  redactCommands: RedactionMode;
  redactPaths: RedactionMode;
}

// Header names a collector config may not set: they would break or hijack the OTLP request.
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding']);

@Injectable()
export class CollectorService {
  constructor(
    private readonly collectors: CollectorRepository,
    private readonly audit: AuditService,
  ) {}

  get(organizationId: string): Promise<TelemetryCollector | null> {
    return this.collectors.find(organizationId);
  }

  async set(
    organizationId: string,
    settings: CollectorSettings,
    actor: { type: ActorType; id: string },
  ): Promise<TelemetryCollector> {
    let url: URL;
    try {
      url = new URL(settings.endpoint);
    } catch {
      throw invalid('endpoint must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalid('endpoint must be an absolute http(s) URL');
    }
    const headers: Record<string, string> = {};
    for (const { name, value } of settings.headers) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
        throw invalid(`header ${JSON.stringify(name)} is not allowed`);
      }
      headers[name] = value;
    }
    for (const mode of [settings.redactPrompts, settings.redactCommands, settings.redactPaths]) {
      if (!REDACTION_MODES.includes(mode)) {
        throw invalid(`redaction must be one of ${REDACTION_MODES.join(', ')}`);
      }
    }
    const values = {
      endpoint: url.toString(),
      enabled: settings.enabled,
      headers,
      redactPrompts: settings.redactPrompts,
      redactCommands: settings.redactCommands,
      redactPaths: settings.redactPaths,
      updatedAt: new Date(),
    };
    return this.collectors.transaction(async (tx) => {
      const saved = await this.collectors.upsert(
        tx,
        organizationId,
        values,
        randomBytes(32).toString('base64url'),
      );
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'telemetry.collector.updated',
          resourceType: 'telemetry-collector',
          resourceId: organizationId,
          // Header values may be secrets: only their names are recorded.
          data: { ...values, headers: Object.keys(headers), updatedAt: undefined },
        },
        tx,
      );
      return saved;
    });
  }

  async remove(organizationId: string, actor: { type: ActorType; id: string }): Promise<boolean> {
    return this.collectors.transaction(async (tx) => {
      if (!(await this.collectors.remove(tx, organizationId))) return false;
      await this.audit.record(
        organizationId,
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'telemetry.collector.removed',
          resourceType: 'telemetry-collector',
          resourceId: organizationId,
        },
        tx,
      );
      return true;
    });
  }
}

function invalid(message: string): TelemetryError {
  return new TelemetryError(TelemetryErrorCode.Invalid, message);
}
