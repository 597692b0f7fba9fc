-- Hand-written: the spend functions reach every row by its key (a lease by id or by its endpoint's
-- idempotency key, a counter by limit and period, a limit by id), so they never read a table
-- sequentially. PL/pgSQL caches a statement's plan; a plan made while SpendLease was small (a new
-- database, before any ANALYZE) joined the settled leases to the ledger by a sequential scan, and
-- Postgres keeps that plan until the table's statistics change. Where nothing analyzes the table
-- (autovacuum off; the embedded database, which has no autovacuum at all) every settle then read
-- the whole ledger: measured, lease+settle over HTTP fell from ~1,500 to 250-500 pairs/s within
-- two minutes of load, Postgres at 1,000-3,400 µs of CPU per pair instead of ~200. With
-- sequential scans priced out inside these functions, the index is used whatever the statistics
-- say. A later CREATE OR REPLACE of one of these functions must repeat this SET clause.
-- Every function of these names, whatever its arguments (a database that applied only some of
-- the migrations squashed into 20261124040846_spend has older ones).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND p.proname IN ('steward_spend_settle_batch', 'steward_spend_reserve_batch',
        'steward_spend_batch', 'steward_spend_reconcile')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET enable_seqscan = off', f);
  END LOOP;
END
$$;
