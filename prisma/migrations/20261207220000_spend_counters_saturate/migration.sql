-- Hand-written: a spend counter's spent amount saturates at what DECIMAL(18,6) holds
-- (999,999,999,999.999999 USD) instead of overflowing. Settled costs are not bounded by the budget
-- (a soft one never refuses, and what an agent already spent is recorded whatever the budget), so
-- one period's costs could sum past the column's range: the fold then failed with "numeric field
-- overflow", every time, and none of the organization's settled or expired leases was folded or
-- released again. Saturated, the counter reads "at least this much". Reserves cannot get there: a
-- lease is at most 100 USD (MAX_LEASE_CEILING_USD). The function is that of
-- 20261124040846_spend but for the write marked "saturates".

CREATE OR REPLACE FUNCTION steward_spend_reconcile(p_org uuid, p_now timestamp)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_leases integer;
  -- Per counter the due leases touch, in lock order: what they spent and return to the reserve.
  v_limit_ids uuid[];
  v_period_keys text[];
  v_spents numeric[];
  v_returns numeric[];
  v_thresholds int[];
  v_spent numeric;
  v_limit numeric;
  v_alert_ids uuid[] := '{}';
  v_new_ids uuid[];
BEGIN
  -- The due leases, taken out of the due set as they are read (at most 10,000 per call): settled
  -- ones are folded (spent += cost) and expired unsettled ones released; either returns the leased
  -- amount to the reserve, unless a release returned it already (a settle after expiry).
  WITH due AS (
    UPDATE "SpendLease" e
    SET "openUntil" = NULL,
        "releasedAt" = CASE WHEN e."settledAt" IS NULL THEN p_now ELSE e."releasedAt" END
    WHERE e.id IN (
      SELECT id FROM "SpendLease"
      WHERE "organizationId" = p_org AND "openUntil" <= p_now
      LIMIT 10000
    ) AND e."openUntil" <= p_now
    RETURNING coalesce(e."costUsd", 0) AS cost,
      CASE WHEN e."settledAt" IS NULL OR e."releasedAt" IS NULL THEN e."amountUsd" ELSE 0 END
        AS returned,
      e."limitIds", e."periodKeys"
  ), budgets AS (
    SELECT b.limit_id, b.period_key, sum(d.cost) AS spent, sum(d.returned) AS returned
    FROM due d CROSS JOIN unnest(d."limitIds", d."periodKeys") AS b(limit_id, period_key)
    GROUP BY b.limit_id, b.period_key
  ), ordered AS (
    SELECT u.*, l."subjectType" = 'group' AS is_group FROM budgets u
    LEFT JOIN "SpendLimit" l ON l.id = u.limit_id
  )
  SELECT (SELECT count(*)::int FROM due),
    array_agg(limit_id ORDER BY is_group, limit_id, period_key),
    array_agg(period_key ORDER BY is_group, limit_id, period_key),
    array_agg(spent ORDER BY is_group, limit_id, period_key),
    array_agg(returned ORDER BY is_group, limit_id, period_key)
  INTO v_leases, v_limit_ids, v_period_keys, v_spents, v_returns
  FROM ordered;
  IF v_leases = 0 THEN
    RETURN jsonb_build_object('leases', 0, 'alertIds', '[]'::jsonb);
  END IF;

  FOR i IN 1..coalesce(cardinality(v_limit_ids), 0) LOOP
    UPDATE "SpendCounter" c
    -- saturates
    SET "spentUsd" = least(c."spentUsd" + v_spents[i], 999999999999.999999),
        "reservedUsd" = c."reservedUsd" - v_returns[i],
        "updatedAt" = p_now
    WHERE c."limitId" = v_limit_ids[i] AND c."periodKey" = v_period_keys[i]
    RETURNING c."spentUsd", c."limitUsd" INTO v_spent, v_limit;
    CONTINUE WHEN NOT (v_spents[i] > 0 AND v_limit > 0);

    SELECT "alertThresholds" INTO v_thresholds FROM "SpendLimit" WHERE id = v_limit_ids[i];
    IF EXISTS (
      SELECT 1 FROM unnest(v_thresholds) AS t
      WHERE (v_spent - v_spents[i]) * 100 < t * v_limit AND v_spent * 100 >= t * v_limit
    ) THEN
      WITH inserted AS (
        INSERT INTO "SpendAlert" (id, "organizationId", "limitId", "periodKey", threshold,
          "spentUsd", "limitUsd", "createdAt")
        SELECT gen_random_uuid(), p_org, v_limit_ids[i], v_period_keys[i], t, v_spent, v_limit,
          p_now
        FROM unnest(v_thresholds) AS t
        WHERE v_spent * 100 >= t * v_limit
        ON CONFLICT ("limitId", "periodKey", threshold) DO NOTHING
        RETURNING id
      )
      SELECT coalesce(array_agg(id), '{}') INTO v_new_ids FROM inserted;
      v_alert_ids := v_alert_ids || v_new_ids;
    END IF;
  END LOOP;
  RETURN jsonb_build_object('leases', v_leases, 'alertIds', to_jsonb(v_alert_ids));
END
$$;
