-- AlterTable
ALTER TABLE "GovernanceSettings" ADD COLUMN     "webAllowedHosts" TEXT[] DEFAULT ARRAY[]::TEXT[];
