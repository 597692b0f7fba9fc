-- The spend ledger's retention (spend-ledger-retention.ts) finds settled leases past an
-- organization's retention through the index on "settledAt"; this one finds the released ones
-- (expired, never settled). Partial: a lease that is settled, the usual case, adds no entry to it.
-- Like the rebuilds of 20261207190000, it holds off writes to SpendLease while it reads the table
-- (0.3 s per 200,000 leases measured there): a deployment with a large ledger applies it in a
-- quiet hour.
CREATE INDEX "SpendLease_organizationId_releasedAt_idx" ON "SpendLease"("organizationId", "releasedAt") WHERE ("releasedAt" IS NOT NULL);
