-- Hand-written: appends records to an organization's audit chain in one round trip. Appends to an
-- organization are serialised by a transaction-scoped advisory lock held until commit, so the fewer
-- round trips between taking it and committing, the more appends per second one organization gets
-- (SCIM bursts from an IdP, ingest). The caller sends each record with `body`: the chain's stable
-- JSON of the record without `seq` (AuditService, audit-hash.ts); "seq" sorts after every other key,
-- so appending it here yields exactly the body that chainHash() hashes and verify recomputes.
CREATE FUNCTION steward_audit_append(org uuid, entries jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  entry jsonb;
  seqs bigint[] := '{}';
  prev_hashes text[] := '{}';
  hashes text[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || org::text, 0));
  SELECT "headSeq", "headHash" INTO head_seq, head_hash
  FROM "AuditChainState" WHERE "organizationId" = org;
  head_seq := coalesce(head_seq, 0);
  head_hash := coalesce(head_hash, repeat('0', 64));
  FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
    head_seq := head_seq + 1;
    seqs := seqs || head_seq;
    prev_hashes := prev_hashes || head_hash;
    head_hash := encode(sha256(convert_to(
      head_hash || E'\n' || left(entry->>'body', -1) || ',"seq":"' || head_seq || '"}', 'UTF8')), 'hex');
    hashes := hashes || head_hash;
  END LOOP;

  INSERT INTO "AuditEvent" ("organizationId", "seq", "occurredAt", "actorType", "actorId", "action",
    "resourceType", "resourceId", "data", "prevHash", "hash")
  SELECT org, chained.seq, (record->>'occurredAt')::timestamp(3), record->>'actorType',
    record->>'actorId', record->>'action', record->>'resourceType', record->>'resourceId',
    coalesce(record->'data', '{}'), chained.prev_hash, chained.hash
  FROM jsonb_array_elements(entries) WITH ORDINALITY AS records(record, position)
  JOIN unnest(seqs, prev_hashes, hashes) WITH ORDINALITY AS chained(seq, prev_hash, hash, position)
    USING (position);

  INSERT INTO "AuditChainState" ("organizationId", "headSeq", "headHash", "prunedSeq", "prunedHash")
  VALUES (org, head_seq, head_hash, 0, repeat('0', 64))
  ON CONFLICT ("organizationId") DO UPDATE
    SET "headSeq" = EXCLUDED."headSeq", "headHash" = EXCLUDED."headHash";
  RETURN head_seq;
END
$$;
