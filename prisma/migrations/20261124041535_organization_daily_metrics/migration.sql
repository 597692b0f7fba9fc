-- CreateTable
CREATE TABLE "OrganizationDailyMetrics" (
    "organizationId" UUID NOT NULL,
    "day" DATE NOT NULL,
    "activeUsers" INTEGER NOT NULL,
    "sessions" INTEGER NOT NULL,
    "toolCalls" INTEGER NOT NULL,
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

    CONSTRAINT "OrganizationDailyMetrics_pkey" PRIMARY KEY ("organizationId","day")
);

-- AddForeignKey
ALTER TABLE "OrganizationDailyMetrics" ADD CONSTRAINT "OrganizationDailyMetrics_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
