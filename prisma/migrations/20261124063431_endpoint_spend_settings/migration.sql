-- AlterTable
ALTER TABLE "GovernanceSettings" ADD COLUMN     "leaseRequired" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "maxLeaseUsd" DECIMAL(18,6) NOT NULL DEFAULT 1,
ADD COLUMN     "offlineAllowanceUsd" DECIMAL(18,6) NOT NULL DEFAULT 0;
