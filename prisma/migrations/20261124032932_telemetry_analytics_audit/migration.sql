-- CreateTable
CREATE TABLE "AgentEvent" (
    "organizationId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "id" UUID NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "type" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "batchId" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentEvent_pkey" PRIMARY KEY ("organizationId","day","id")
) PARTITION BY RANGE ("day");
-- Hand-edited: Prisma can't express partitions. Daily partitions ("AgentEvent_pYYYYMMDD") are
-- created by the API ahead of time and on demand (modules/telemetry/event-partitions.ts).

-- CreateTable
CREATE TABLE "AnalyticsRollupPending" (
    "organizationId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "markedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AnalyticsRollupPending_pkey" PRIMARY KEY ("organizationId","day")
);

-- CreateTable
CREATE TABLE "UserDailyMetrics" (
    "organizationId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "userId" TEXT NOT NULL,
    "sessions" INTEGER NOT NULL,
    "toolCalls" INTEGER NOT NULL,
    "toolCallsByConnector" JSONB NOT NULL,
    "toolCallsByDecision" JSONB NOT NULL,
    "plansApprovedManual" INTEGER NOT NULL,
    "plansApprovedAuto" INTEGER NOT NULL,
    "filesRead" INTEGER NOT NULL,
    "filesModified" INTEGER NOT NULL,
    "skillsUsed" INTEGER NOT NULL,
    "modelRequests" INTEGER NOT NULL,
    "inputTokens" BIGINT NOT NULL,
    "outputTokens" BIGINT NOT NULL,
    "costUsd" DECIMAL(24,12) NOT NULL,
    "policyViolations" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UserDailyMetrics_pkey" PRIMARY KEY ("organizationId","day","userId")
);

-- CreateTable
CREATE TABLE "GroupDailyMetrics" (
    "organizationId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "groupId" UUID NOT NULL,
    "activeUsers" INTEGER NOT NULL,
    "sessions" INTEGER NOT NULL,
    "toolCalls" INTEGER NOT NULL,
    "toolCallsByConnector" JSONB NOT NULL,
    "toolCallsByDecision" JSONB NOT NULL,
    "plansApprovedManual" INTEGER NOT NULL,
    "plansApprovedAuto" INTEGER NOT NULL,
    "filesRead" INTEGER NOT NULL,
    "filesModified" INTEGER NOT NULL,
    "skillsUsed" INTEGER NOT NULL,
    "modelRequests" INTEGER NOT NULL,
    "inputTokens" BIGINT NOT NULL,
    "outputTokens" BIGINT NOT NULL,
    "costUsd" DECIMAL(24,12) NOT NULL,
    "policyViolations" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupDailyMetrics_pkey" PRIMARY KEY ("organizationId","day","groupId")
);

-- CreateTable
CREATE TABLE "TelemetryCollector" (
    "organizationId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "endpoint" TEXT NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "redactPrompts" TEXT NOT NULL DEFAULT 'drop',
    "redactCommands" TEXT NOT NULL DEFAULT 'hash',
    "redactPaths" TEXT NOT NULL DEFAULT 'hash',
    "hashKey" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TelemetryCollector_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "TelemetryForwardOutbox" (
    "batchId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "eventIds" UUID[],
    "days" DATE[],
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TelemetryForwardOutbox_pkey" PRIMARY KEY ("batchId")
);

-- CreateTable
CREATE TABLE "AuditChainState" (
    "organizationId" UUID NOT NULL,
    "headSeq" BIGINT NOT NULL DEFAULT 0,
    "headHash" TEXT NOT NULL,
    "prunedSeq" BIGINT NOT NULL DEFAULT 0,
    "prunedHash" TEXT NOT NULL,
    "retentionDays" INTEGER,
    "legalHold" BOOLEAN NOT NULL DEFAULT false,
    "legalHoldReason" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditChainState_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "AuditExport" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "format" TEXT NOT NULL,
    "filter" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "rowCount" INTEGER NOT NULL DEFAULT 0,
    "content" BYTEA,
    "error" TEXT,
    "requestedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "AuditExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TelemetryForwardOutbox_createdAt_idx" ON "TelemetryForwardOutbox"("createdAt");

-- CreateIndex
CREATE INDEX "AuditExport_organizationId_createdAt_idx" ON "AuditExport"("organizationId", "createdAt");

-- AddForeignKey
ALTER TABLE "AgentEvent" ADD CONSTRAINT "AgentEvent_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AnalyticsRollupPending" ADD CONSTRAINT "AnalyticsRollupPending_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserDailyMetrics" ADD CONSTRAINT "UserDailyMetrics_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupDailyMetrics" ADD CONSTRAINT "GroupDailyMetrics_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TelemetryCollector" ADD CONSTRAINT "TelemetryCollector_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TelemetryForwardOutbox" ADD CONSTRAINT "TelemetryForwardOutbox_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditChainState" ADD CONSTRAINT "AuditChainState_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditExport" ADD CONSTRAINT "AuditExport_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: the audit log is append-only. Prisma can't say so; this trigger refuses UPDATE and
-- DELETE of audit records except by the retention job (which sets steward.audit_retention for its
-- own transaction) and the cascade when an organization itself is deleted.
CREATE FUNCTION steward_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND (current_setting('steward.audit_retention', true) = 'on'
          OR NOT EXISTS (SELECT 1 FROM "Organization" WHERE id = OLD."organizationId")) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only: % of audit records is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AuditEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION steward_audit_append_only();

CREATE FUNCTION steward_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: TRUNCATE is refused'
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION steward_audit_no_truncate();

-- Chains written before AuditChainState existed: their head is their newest record.
INSERT INTO "AuditChainState" ("organizationId", "headSeq", "headHash", "prunedSeq", "prunedHash")
SELECT DISTINCT ON ("organizationId") "organizationId", "seq", "hash", 0, repeat('0', 64)
FROM "AuditEvent"
ORDER BY "organizationId", "seq" DESC;
