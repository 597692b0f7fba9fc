-- The two SpendLease indexes keep only the leases their queries look for, so neither
-- grows with the ledger's history.
-- * (organizationId, openUntil) finds the reconcile's work (openUntil <= now): leases in flight
--   and settled ones not yet folded. A folded lease (openUntil null) had an entry here for ever,
--   read by the catch-up sweep's scan of the whole index; the fold's update now adds no entry.
-- * (organizationId, settledAt) orders the usage ledger, which lists settled leases only; a lease
--   in flight (settledAt null) no longer adds an entry when it is written.
-- Both predicates follow from the queries' own conditions (a comparison implies IS NOT NULL), so
-- the planner uses them unchanged. The SQL is what the schema engine writes for the `where:` of
-- these @@index lines (preview feature partialIndexes). Each rebuild holds off writes to
-- SpendLease while it reads the table (0.3 s per 200,000 leases measured, ~2.5 min per 100
-- million): a deployment with a large ledger applies it in a quiet hour.
DROP INDEX "SpendLease_organizationId_openUntil_idx";
CREATE INDEX "SpendLease_organizationId_openUntil_idx"
  ON "SpendLease"("organizationId", "openUntil") WHERE ("openUntil" IS NOT NULL);

DROP INDEX "SpendLease_organizationId_settledAt_idx";
CREATE INDEX "SpendLease_organizationId_settledAt_idx"
  ON "SpendLease"("organizationId", "settledAt") WHERE ("settledAt" IS NOT NULL);
