-- CreateTable
CREATE TABLE "ScimRefusal" (
    "id" BIGSERIAL NOT NULL,
    "organizationId" UUID NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "scimType" TEXT,
    "detail" TEXT NOT NULL,

    CONSTRAINT "ScimRefusal_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ScimRefusal_organizationId_id_idx" ON "ScimRefusal"("organizationId", "id");

-- AddForeignKey
ALTER TABLE "ScimRefusal" ADD CONSTRAINT "ScimRefusal_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
