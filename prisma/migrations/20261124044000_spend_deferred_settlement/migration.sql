-- Hand-written: settling no longer writes the budget counters. A team's counter row is shared by
-- every member, so each write to it is serialised (lock, commit, next); with settlement folded in
-- later, in batches, a lease+settle pair writes that row once instead of twice.
--
-- A settled lease is marked for folding (openUntil in the past); steward_spend_reconcile folds
-- settled leases (spent += cost, reserved -= amount) and releases expired ones, in one lock order.
-- Until it runs, a settled lease keeps its whole amount reserved, which can only refuse early, never
-- overspend; reserving runs it before it refuses, so refusals are exact. A cost above the leased
-- amount is folded at once by the settle itself. Alerts are written by the fold that crossed them.

DROP FUNCTION steward_spend_release_expired(uuid, timestamp);

-- Marks the lease settled. Returns {"status":"settled"|"replayed"|"not_found", …}.
CREATE OR REPLACE FUNCTION steward_spend_settle(
  p_org uuid, p_endpoint uuid, p_lease uuid, p_cost numeric, p_input_tokens int,
  p_output_tokens int, p_now timestamp
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_lease record;
BEGIN
  SELECT id, "amountUsd", "costUsd", "settledAt", "releasedAt" INTO v_lease FROM "SpendLease"
  WHERE id = p_lease AND "organizationId" = p_org AND "endpointId" = p_endpoint
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'not_found');
  END IF;
  IF v_lease."settledAt" IS NOT NULL THEN
    RETURN jsonb_build_object('status', 'replayed', 'leaseId', v_lease.id,
      'amountUsd', v_lease."amountUsd"::text, 'costUsd', v_lease."costUsd"::text,
      'settledAt', v_lease."settledAt", 'late', v_lease."releasedAt" IS NOT NULL,
      'foldNow', false);
  END IF;
  UPDATE "SpendLease"
  SET "settledAt" = p_now, "costUsd" = p_cost, "inputTokens" = p_input_tokens,
      "outputTokens" = p_output_tokens, "openUntil" = '1970-01-01'
  WHERE id = p_lease;
  RETURN jsonb_build_object('status', 'settled', 'leaseId', v_lease.id,
    'amountUsd', v_lease."amountUsd"::text, 'costUsd', p_cost::text, 'settledAt', p_now,
    'late', v_lease."releasedAt" IS NOT NULL,
    'foldNow', v_lease."releasedAt" IS NOT NULL OR p_cost > v_lease."amountUsd");
END
$$;

-- Folds the organization's settled leases into their counters and releases its expired ones.
-- Returns {"leases": <how many>, "alertIds": [...]}. Lease rows are locked in id order (two
-- reconciles wait for each other instead of deadlocking), then counters in the one order.
CREATE FUNCTION steward_spend_reconcile(p_org uuid, p_now timestamp)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_ids uuid[];
  v_budget record;
  v_spent numeric;
  v_limit numeric;
  v_alert_ids uuid[] := '{}';
  v_new_ids uuid[];
BEGIN
  SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM (
    SELECT id FROM "SpendLease"
    WHERE "organizationId" = p_org AND "openUntil" <= p_now
    ORDER BY id
    LIMIT 10000
    FOR UPDATE
  ) due;
  IF cardinality(v_ids) = 0 THEN
    RETURN jsonb_build_object('leases', 0, 'alertIds', '[]'::jsonb);
  END IF;
  FOR v_budget IN
    SELECT b.limit_id, b.period_key,
      sum(coalesce(e."costUsd", 0)) AS spent,
      sum(CASE WHEN e."releasedAt" IS NULL THEN e."amountUsd" ELSE 0 END) AS returned,
      bool_or(l."subjectType" = 'group') AS is_group,
      min(l."alertThresholds") AS thresholds
    FROM "SpendLease" e
    CROSS JOIN unnest(e."limitIds", e."periodKeys") AS b(limit_id, period_key)
    LEFT JOIN "SpendLimit" l ON l.id = b.limit_id
    WHERE e.id = ANY(v_ids)
    GROUP BY b.limit_id, b.period_key
    ORDER BY is_group, b.limit_id, b.period_key
  LOOP
    UPDATE "SpendCounter" c
    SET "spentUsd" = c."spentUsd" + v_budget.spent,
        "reservedUsd" = c."reservedUsd" - v_budget.returned,
        "updatedAt" = p_now
    WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key
    RETURNING c."spentUsd", c."limitUsd" INTO v_spent, v_limit;

    IF v_budget.spent > 0 AND v_limit > 0 AND EXISTS (
      SELECT 1 FROM unnest(v_budget.thresholds) AS t
      WHERE (v_spent - v_budget.spent) * 100 < t * v_limit AND v_spent * 100 >= t * v_limit
    ) THEN
      WITH inserted AS (
        INSERT INTO "SpendAlert" (id, "organizationId", "limitId", "periodKey", threshold,
          "spentUsd", "limitUsd", "createdAt")
        SELECT gen_random_uuid(), p_org, v_budget.limit_id, v_budget.period_key, t, v_spent,
          v_limit, p_now
        FROM unnest(v_budget.thresholds) AS t
        WHERE v_spent * 100 >= t * v_limit
        ON CONFLICT ("limitId", "periodKey", threshold) DO NOTHING
        RETURNING id
      )
      SELECT coalesce(array_agg(id), '{}') INTO v_new_ids FROM inserted;
      v_alert_ids := v_alert_ids || v_new_ids;
    END IF;
  END LOOP;
  UPDATE "SpendLease"
  SET "openUntil" = NULL,
      "releasedAt" = CASE WHEN "settledAt" IS NULL THEN p_now ELSE "releasedAt" END
  WHERE id = ANY(v_ids);
  RETURN jsonb_build_object('leases', cardinality(v_ids), 'alertIds', to_jsonb(v_alert_ids));
END
$$;
