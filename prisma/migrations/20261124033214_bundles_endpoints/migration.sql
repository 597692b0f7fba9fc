-- CreateEnum
CREATE TYPE "SigningKeyStatus" AS ENUM ('active', 'retiring', 'revoked');

-- CreateTable
CREATE TABLE "SigningKey" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "keyId" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "encryptedPrivateKey" BYTEA NOT NULL,
    "status" "SigningKeyStatus" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notAfter" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "SigningKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrustSetVersion" (
    "id" BIGSERIAL NOT NULL,
    "organizationId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "envelope" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrustSetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Endpoint" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "credentialId" UUID NOT NULL,
    "deviceName" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "runtimeVersion" TEXT NOT NULL,
    "enrolledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "bundleVersion" INTEGER NOT NULL DEFAULT 0,
    "reportedVersion" INTEGER,
    "reportedVerified" BOOLEAN,
    "reportedReason" TEXT,
    "reportedErrors" JSONB NOT NULL DEFAULT '[]',
    "reportedTrustSetVersion" INTEGER,
    "reportedAt" TIMESTAMP(3),

    CONSTRAINT "Endpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyBundle" (
    "id" BIGSERIAL NOT NULL,
    "organizationId" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "keyId" TEXT NOT NULL,
    "etag" TEXT NOT NULL,
    "payload" BYTEA NOT NULL,
    "signature" BYTEA NOT NULL,
    "policyDigest" TEXT NOT NULL,
    "publishId" UUID NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyBundle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyBlob" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "digest" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyBlob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BundlePublish" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "subjectCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BundlePublish_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SigningKey_keyId_key" ON "SigningKey"("keyId");

-- CreateIndex
CREATE INDEX "SigningKey_organizationId_status_idx" ON "SigningKey"("organizationId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "TrustSetVersion_organizationId_version_key" ON "TrustSetVersion"("organizationId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Endpoint_credentialId_key" ON "Endpoint"("credentialId");

-- CreateIndex
CREATE INDEX "Endpoint_organizationId_userId_idx" ON "Endpoint"("organizationId", "userId");

-- CreateIndex
CREATE INDEX "PolicyBundle_organizationId_publishId_idx" ON "PolicyBundle"("organizationId", "publishId");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyBundle_endpointId_version_key" ON "PolicyBundle"("endpointId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyBlob_organizationId_digest_key" ON "PolicyBlob"("organizationId", "digest");

-- CreateIndex
CREATE INDEX "BundlePublish_organizationId_createdAt_idx" ON "BundlePublish"("organizationId", "createdAt");

-- AddForeignKey
ALTER TABLE "SigningKey" ADD CONSTRAINT "SigningKey_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrustSetVersion" ADD CONSTRAINT "TrustSetVersion_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Endpoint" ADD CONSTRAINT "Endpoint_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyBundle" ADD CONSTRAINT "PolicyBundle_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PolicyBlob" ADD CONSTRAINT "PolicyBlob_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BundlePublish" ADD CONSTRAINT "BundlePublish_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
