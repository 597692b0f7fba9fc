-- CreateTable
CREATE TABLE "DirectoryUser" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userName" TEXT NOT NULL,
    "userNameLower" TEXT NOT NULL,
    "externalId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "displayName" TEXT,
    "nickName" TEXT,
    "profileUrl" TEXT,
    "title" TEXT,
    "userType" TEXT,
    "preferredLanguage" TEXT,
    "locale" TEXT,
    "timezone" TEXT,
    "formattedName" TEXT,
    "familyName" TEXT,
    "givenName" TEXT,
    "middleName" TEXT,
    "honorificPrefix" TEXT,
    "honorificSuffix" TEXT,
    "addresses" JSONB,
    "employeeNumber" TEXT,
    "costCenter" TEXT,
    "enterpriseOrg" TEXT,
    "division" TEXT,
    "department" TEXT,
    "managerValue" TEXT,
    "managerDisplay" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DirectoryUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryUserEmail" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "value" TEXT NOT NULL,
    "valueLower" TEXT NOT NULL,
    "type" TEXT,
    "primary" BOOLEAN NOT NULL DEFAULT false,
    "display" TEXT,

    CONSTRAINT "DirectoryUserEmail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryUserPhone" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "value" TEXT NOT NULL,
    "type" TEXT,
    "primary" BOOLEAN NOT NULL DEFAULT false,
    "display" TEXT,

    CONSTRAINT "DirectoryUserPhone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryGroup" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "externalId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DirectoryGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DirectoryGroupMember" (
    "organizationId" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DirectoryGroupMember_pkey" PRIMARY KEY ("groupId","userId")
);

-- CreateIndex
CREATE INDEX "DirectoryUser_organizationId_externalId_idx" ON "DirectoryUser"("organizationId", "externalId");

-- CreateIndex
CREATE INDEX "DirectoryUser_organizationId_createdAt_id_idx" ON "DirectoryUser"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "DirectoryUser_organizationId_updatedAt_idx" ON "DirectoryUser"("organizationId", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "DirectoryUser_organizationId_userNameLower_key" ON "DirectoryUser"("organizationId", "userNameLower");

-- CreateIndex
CREATE INDEX "DirectoryUserEmail_userId_position_idx" ON "DirectoryUserEmail"("userId", "position");

-- CreateIndex
CREATE INDEX "DirectoryUserEmail_organizationId_valueLower_idx" ON "DirectoryUserEmail"("organizationId", "valueLower");

-- CreateIndex
CREATE INDEX "DirectoryUserPhone_userId_position_idx" ON "DirectoryUserPhone"("userId", "position");

-- CreateIndex
CREATE INDEX "DirectoryUserPhone_organizationId_value_idx" ON "DirectoryUserPhone"("organizationId", "value");

-- CreateIndex
CREATE INDEX "DirectoryGroup_organizationId_displayName_idx" ON "DirectoryGroup"("organizationId", "displayName");

-- CreateIndex
CREATE INDEX "DirectoryGroup_organizationId_externalId_idx" ON "DirectoryGroup"("organizationId", "externalId");

-- CreateIndex
CREATE INDEX "DirectoryGroup_organizationId_createdAt_id_idx" ON "DirectoryGroup"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "DirectoryGroup_organizationId_updatedAt_idx" ON "DirectoryGroup"("organizationId", "updatedAt");

-- CreateIndex
CREATE INDEX "DirectoryGroupMember_userId_idx" ON "DirectoryGroupMember"("userId");

-- CreateIndex
CREATE INDEX "DirectoryGroupMember_organizationId_userId_idx" ON "DirectoryGroupMember"("organizationId", "userId");

-- AddForeignKey
ALTER TABLE "DirectoryUser" ADD CONSTRAINT "DirectoryUser_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryUserEmail" ADD CONSTRAINT "DirectoryUserEmail_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryUserEmail" ADD CONSTRAINT "DirectoryUserEmail_userId_fkey" FOREIGN KEY ("userId") REFERENCES "DirectoryUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryUserPhone" ADD CONSTRAINT "DirectoryUserPhone_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryUserPhone" ADD CONSTRAINT "DirectoryUserPhone_userId_fkey" FOREIGN KEY ("userId") REFERENCES "DirectoryUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryGroup" ADD CONSTRAINT "DirectoryGroup_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryGroupMember" ADD CONSTRAINT "DirectoryGroupMember_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryGroupMember" ADD CONSTRAINT "DirectoryGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "DirectoryGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DirectoryGroupMember" ADD CONSTRAINT "DirectoryGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "DirectoryUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;
