-- SCIM's unassigned `active` (left out on create, removed or set to null by a PATCH) is stored as
-- NULL and grants nothing; the manager's `$ref` is kept as sent.
-- AlterTable
ALTER TABLE "DirectoryUser" ADD COLUMN     "managerRef" TEXT,
ALTER COLUMN "active" DROP NOT NULL;
