-- CreateTable
CREATE TABLE "PropagationOutbox" (
    "id" BIGSERIAL NOT NULL,
    "organizationId" UUID NOT NULL,
    "userIds" UUID[],
    "allUsers" BOOLEAN NOT NULL DEFAULT false,
    "groupIds" UUID[],
    "reason" TEXT NOT NULL,
    "availableAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PropagationOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PropagationOutbox_availableAt_idx" ON "PropagationOutbox"("availableAt");

-- AddForeignKey
ALTER TABLE "PropagationOutbox" ADD CONSTRAINT "PropagationOutbox_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
