import { UseFilters } from '@nestjs/common';
import { Args, Field, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { TelemetryCollector } from '../../generated/prisma/client';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { CollectorService } from './collector.service';
import { TelemetryErrorFilter } from './telemetry.errors';
import type { RedactionMode } from '@steward/telemetry';

@InputType()
export class CollectorHeaderInput {
  @Field() name!: string;
  @Field() value!: string;
}

@InputType()
export class TelemetryCollectorInput {
  @Field({ description: 'OTLP/HTTP logs URL, e.g. https://collector.example.com:4318/v1/logs' })
  endpoint!: string;
  @Field({ defaultValue: true }) enabled!: boolean;
  @Field(() => [CollectorHeaderInput], { defaultValue: [] }) headers!: CollectorHeaderInput[];
  @Field({ description: 'Task and plan text: keep, hash or drop.', defaultValue: 'drop' })
  redactPrompts!: string;
  @Field({
    description: 'Tool parameters (command lines): keep, hash or drop.',
    defaultValue: 'hash',
  })
  redactCommands!: string;
  @Field({ description: 'File and folder paths: keep, hash or drop.', defaultValue: 'hash' })
  redactPaths!: string;
}

@ObjectType({ description: "The organization's OpenTelemetry collector for agent events." })
export class TelemetryCollectorConfig {
  @Field() endpoint!: string;
  @Field() enabled!: boolean;
  @Field(() => [String], { description: 'Names of the headers sent (values are never shown).' })
  headerNames!: string[];
  @Field() redactPrompts!: string;
  @Field() redactCommands!: string;
  @Field() redactPaths!: string;
  @Field() updatedAt!: Date;
}

function view(collector: TelemetryCollector): TelemetryCollectorConfig {
  return {
    endpoint: collector.endpoint,
    enabled: collector.enabled,
    headerNames: Object.keys(collector.headers as Record<string, string>),
    redactPrompts: collector.redactPrompts,
    redactCommands: collector.redactCommands,
    redactPaths: collector.redactPaths,
    updatedAt: collector.updatedAt,
  };
}

@Resolver()
@UseFilters(TelemetryErrorFilter)
export class TelemetryResolver {
  constructor(private readonly collectors: CollectorService) {}

  @Query(() => TelemetryCollectorConfig, { nullable: true })
  @RequireAdmin(...WRITE_ROLES)
  async telemetryCollector(
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<TelemetryCollectorConfig | null> {
    const collector = await this.collectors.get(admin.organizationId);
    return collector ? view(collector) : null;
  }

  @Mutation(() => TelemetryCollectorConfig)
  @RequireAdmin(...WRITE_ROLES)
  async setTelemetryCollector(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: TelemetryCollectorInput,
  ): Promise<TelemetryCollectorConfig> {
    const saved = await this.collectors.set(
      admin.organizationId,
      {
        ...input,
        redactPrompts: input.redactPrompts as RedactionMode,
        redactCommands: input.redactCommands as RedactionMode,
        redactPaths: input.redactPaths as RedactionMode,
      },
      { type: 'admin', id: admin.adminId },
    );
    return view(saved);
  }

  @Mutation(() => Boolean, { description: 'Stops forwarding; true when a collector was removed.' })
  @RequireAdmin(...WRITE_ROLES)
  removeTelemetryCollector(@CurrentAdmin() admin: AdminPrincipal): Promise<boolean> {
    return this.collectors.remove(admin.organizationId, { type: 'admin', id: admin.adminId });
  }
}
