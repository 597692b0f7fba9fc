-- DropIndex
DROP INDEX "TelemetryForwardOutbox_createdAt_idx";

-- CreateIndex
CREATE INDEX "TelemetryForwardOutbox_organizationId_createdAt_idx" ON "TelemetryForwardOutbox"("organizationId", "createdAt");
