-- CreateTable
CREATE TABLE "SamlConnection" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "idpEntityId" TEXT NOT NULL,
    "ssoUrl" TEXT NOT NULL,
    "signingCertificates" TEXT[],
    "groupsAttribute" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSignInAt" TIMESTAMP(3),

    CONSTRAINT "SamlConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminRoleMapping" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "idpGroup" TEXT NOT NULL,
    "role" "AdminRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminRoleMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SamlReplayEntry" (
    "organizationId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SamlReplayEntry_pkey" PRIMARY KEY ("organizationId","kind","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "SamlConnection_organizationId_key" ON "SamlConnection"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "AdminRoleMapping_organizationId_idpGroup_key" ON "AdminRoleMapping"("organizationId", "idpGroup");

-- CreateIndex
CREATE INDEX "SamlReplayEntry_expiresAt_idx" ON "SamlReplayEntry"("expiresAt");

-- AddForeignKey
ALTER TABLE "SamlConnection" ADD CONSTRAINT "SamlConnection_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdminRoleMapping" ADD CONSTRAINT "AdminRoleMapping_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SamlReplayEntry" ADD CONSTRAINT "SamlReplayEntry_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
