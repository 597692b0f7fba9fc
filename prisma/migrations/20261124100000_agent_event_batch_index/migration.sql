-- A batch's events are read back by their batch id: for the digest its audit record carries (at
-- ingest, and by verify) and when retention deletes them with that record. Without an index each
-- of those read every event of the organization's day, so an upload cost more the more the
-- organization had uploaded that day. Created on the partitioned table: every day partition,
-- present and future, gets its own.
CREATE INDEX "AgentEvent_batchId_idx" ON "AgentEvent"("batchId");
