-- CreateEnum
CREATE TYPE "PolicyDecision" AS ENUM ('allow', 'ask', 'deny');

-- CreateEnum
CREATE TYPE "ToolKind" AS ENUM ('read', 'write');

-- CreateEnum
CREATE TYPE "FolderAccess" AS ENUM ('read', 'read_write');

-- CreateEnum
CREATE TYPE "CeilingScope" AS ENUM ('subtree', 'root');

-- CreateEnum
CREATE TYPE "ConnectorTransport" AS ENUM ('stdio', 'streamable_http');

-- CreateEnum
CREATE TYPE "GovernanceSubject" AS ENUM ('group', 'user');

-- CreateEnum
CREATE TYPE "SpendPeriod" AS ENUM ('day', 'week', 'month');

-- CreateEnum
CREATE TYPE "SpendEnforcement" AS ENUM ('hard', 'soft');

-- CreateTable
CREATE TABLE "GovernanceRole" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "capabilities" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GovernanceRole_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleConnectorRule" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "roleId" UUID NOT NULL,
    "connectorId" UUID NOT NULL,
    "read" "PolicyDecision" NOT NULL,
    "write" "PolicyDecision" NOT NULL,
    "toolOverrides" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "RoleConnectorRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleFolderRoot" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "roleId" UUID NOT NULL,
    "pattern" TEXT NOT NULL,
    "access" "FolderAccess" NOT NULL,
    "os" TEXT[],

    CONSTRAINT "RoleFolderRoot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoleBinding" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "roleId" UUID NOT NULL,
    "subjectType" "GovernanceSubject" NOT NULL,
    "subjectId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoleBinding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Connector" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "transport" "ConnectorTransport" NOT NULL,
    "command" TEXT,
    "args" TEXT[],
    "url" TEXT,
    "version" TEXT NOT NULL,
    "approvedHash" TEXT,
    "approvedAt" TIMESTAMP(3),
    "importedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connector_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConnectorTool" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "connectorId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "kindOverride" "ToolKind",
    "approvedFingerprint" TEXT,

    CONSTRAINT "ConnectorTool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GovernanceSettings" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "disabledCeilingDefaults" TEXT[],
    "autoApprovePlansAllowed" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GovernanceSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FolderCeilingEntry" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "pattern" TEXT NOT NULL,
    "scope" "CeilingScope" NOT NULL,
    "os" TEXT[],
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FolderCeilingEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendLimit" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "subjectType" "GovernanceSubject" NOT NULL,
    "subjectId" UUID NOT NULL,
    "amountUsd" DECIMAL(18,6) NOT NULL,
    "period" "SpendPeriod" NOT NULL,
    "enforcement" "SpendEnforcement" NOT NULL,
    "alertThresholds" INTEGER[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SpendLimit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "GovernanceRole_organizationId_name_key" ON "GovernanceRole"("organizationId", "name");

-- CreateIndex
CREATE INDEX "RoleConnectorRule_connectorId_idx" ON "RoleConnectorRule"("connectorId");

-- CreateIndex
CREATE UNIQUE INDEX "RoleConnectorRule_roleId_connectorId_key" ON "RoleConnectorRule"("roleId", "connectorId");

-- CreateIndex
CREATE INDEX "RoleFolderRoot_roleId_idx" ON "RoleFolderRoot"("roleId");

-- CreateIndex
CREATE INDEX "RoleBinding_organizationId_subjectType_subjectId_idx" ON "RoleBinding"("organizationId", "subjectType", "subjectId");

-- CreateIndex
CREATE UNIQUE INDEX "RoleBinding_roleId_subjectType_subjectId_key" ON "RoleBinding"("roleId", "subjectType", "subjectId");

-- CreateIndex
CREATE UNIQUE INDEX "Connector_organizationId_name_key" ON "Connector"("organizationId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ConnectorTool_connectorId_name_key" ON "ConnectorTool"("connectorId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "GovernanceSettings_organizationId_key" ON "GovernanceSettings"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "SpendLimit_organizationId_subjectType_subjectId_period_key" ON "SpendLimit"("organizationId", "subjectType", "subjectId", "period");

-- AddForeignKey
ALTER TABLE "GovernanceRole" ADD CONSTRAINT "GovernanceRole_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleConnectorRule" ADD CONSTRAINT "RoleConnectorRule_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleConnectorRule" ADD CONSTRAINT "RoleConnectorRule_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "GovernanceRole"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleConnectorRule" ADD CONSTRAINT "RoleConnectorRule_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleFolderRoot" ADD CONSTRAINT "RoleFolderRoot_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleFolderRoot" ADD CONSTRAINT "RoleFolderRoot_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "GovernanceRole"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleBinding" ADD CONSTRAINT "RoleBinding_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoleBinding" ADD CONSTRAINT "RoleBinding_roleId_fkey" FOREIGN KEY ("roleId") REFERENCES "GovernanceRole"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Connector" ADD CONSTRAINT "Connector_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectorTool" ADD CONSTRAINT "ConnectorTool_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectorTool" ADD CONSTRAINT "ConnectorTool_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "Connector"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GovernanceSettings" ADD CONSTRAINT "GovernanceSettings_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FolderCeilingEntry" ADD CONSTRAINT "FolderCeilingEntry_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendLimit" ADD CONSTRAINT "SpendLimit_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
