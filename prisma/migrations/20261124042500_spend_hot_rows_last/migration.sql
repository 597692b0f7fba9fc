-- Hand-written: the spend functions of 20261124040846_spend, reordered so that a budget row is
-- locked as late and held as briefly as possible. A team's counter is shared by every member, so
-- its row lock is the throughput limit: every other write of a call (the lease row, the user's
-- counter) now happens before it, and the commit follows it at once. The lock order stays one total
-- order, (is a group limit, limitId, periodKey), in all three functions.

CREATE OR REPLACE FUNCTION steward_spend_reserve(
  p_org uuid, p_user uuid, p_endpoint uuid, p_lease uuid, p_amount numeric,
  p_limit_ids uuid[], p_period_keys text[], p_now timestamp, p_expires timestamp,
  p_model text, p_idempotency_key text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_existing record;
  v_budget record;
  v_spent numeric;
  v_reserved numeric;
  v_ids uuid[];
  v_keys text[];
  v_done integer := 0;
  v_budgets jsonb := '[]';
BEGIN
  IF p_idempotency_key IS NOT NULL THEN
    SELECT id, "amountUsd", "expiresAt" INTO v_existing FROM "SpendLease"
    WHERE "endpointId" = p_endpoint AND "idempotencyKey" = p_idempotency_key;
    IF FOUND THEN
      RETURN jsonb_build_object('status', 'existing', 'leaseId', v_existing.id,
        'amountUsd', v_existing."amountUsd"::text, 'expiresAt', v_existing."expiresAt");
    END IF;
  END IF;

  SELECT coalesce(array_agg(b.limit_id ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}'),
         coalesce(array_agg(b.period_key ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}')
  INTO v_ids, v_keys
  FROM unnest(p_limit_ids, p_period_keys) AS b(limit_id, period_key)
  JOIN "SpendLimit" l ON l.id = b.limit_id AND l."organizationId" = p_org;

  -- The lease row first (a second request with the same idempotency key waits here, holding no
  -- budget row, and then fails on the unique key; the caller retries and finds this lease).
  INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey", model,
    "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
  VALUES (p_lease, p_org, p_user, p_endpoint, p_idempotency_key, p_model, p_amount, v_ids,
    v_keys, p_now, p_expires, p_expires);

  FOR v_budget IN
    SELECT b.limit_id, b.period_key, l."amountUsd" AS amount, l.enforcement::text AS enforcement
    FROM unnest(v_ids, v_keys) WITH ORDINALITY AS b(limit_id, period_key, position)
    JOIN "SpendLimit" l ON l.id = b.limit_id
    ORDER BY b.position
  LOOP
    v_spent := NULL;
    IF v_budget.enforcement = 'soft' OR p_amount <= v_budget.amount THEN
      INSERT INTO "SpendCounter" AS c
        ("organizationId", "limitId", "periodKey", "limitUsd", "spentUsd", "reservedUsd", "updatedAt")
      VALUES (p_org, v_budget.limit_id, v_budget.period_key, v_budget.amount, 0, p_amount, p_now)
      ON CONFLICT ("limitId", "periodKey") DO UPDATE
        SET "reservedUsd" = c."reservedUsd" + EXCLUDED."reservedUsd",
            "limitUsd" = EXCLUDED."limitUsd", "updatedAt" = EXCLUDED."updatedAt"
        WHERE v_budget.enforcement = 'soft'
           OR c."spentUsd" + c."reservedUsd" + EXCLUDED."reservedUsd" <= EXCLUDED."limitUsd"
      RETURNING c."spentUsd", c."reservedUsd" INTO v_spent, v_reserved;
    END IF;

    IF v_spent IS NULL THEN
      -- Refused: give back what this call reserved so far (those rows are locked by us) and drop
      -- the lease.
      UPDATE "SpendCounter" c SET "reservedUsd" = c."reservedUsd" - p_amount
      FROM unnest(v_ids[1:v_done], v_keys[1:v_done]) AS d(limit_id, period_key)
      WHERE c."limitId" = d.limit_id AND c."periodKey" = d.period_key;
      DELETE FROM "SpendLease" WHERE id = p_lease;
      SELECT c."spentUsd", c."reservedUsd" INTO v_spent, v_reserved FROM "SpendCounter" c
      WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key;
      RETURN jsonb_build_object('status', 'refused', 'budgets', jsonb_build_array(jsonb_build_object(
        'limitId', v_budget.limit_id, 'periodKey', v_budget.period_key,
        'enforcement', v_budget.enforcement, 'limitUsd', v_budget.amount::text,
        'spentUsd', coalesce(v_spent, 0)::text, 'reservedUsd', coalesce(v_reserved, 0)::text)));
    END IF;

    v_done := v_done + 1;
    v_budgets := v_budgets || jsonb_build_object(
      'limitId', v_budget.limit_id, 'periodKey', v_budget.period_key,
      'enforcement', v_budget.enforcement, 'limitUsd', v_budget.amount::text,
      'spentUsd', v_spent::text, 'reservedUsd', v_reserved::text);
  END LOOP;

  RETURN jsonb_build_object('status', 'granted', 'leaseId', p_lease, 'amountUsd', p_amount::text,
    'expiresAt', p_expires, 'budgets', v_budgets);
END
$$;

-- Alerts are written only when this settlement crossed a threshold (spent before < t% <= spent
-- after), so a settle past a threshold adds no insert while the row is locked; the unique key
-- still makes each one exist once.
CREATE OR REPLACE FUNCTION steward_spend_settle(
  p_org uuid, p_endpoint uuid, p_lease uuid, p_cost numeric, p_input_tokens int,
  p_output_tokens int, p_now timestamp
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_lease record;
  v_budget record;
  v_late boolean;
  v_spent numeric;
  v_limit numeric;
  v_alert_ids uuid[] := '{}';
  v_new_ids uuid[];
BEGIN
  SELECT * INTO v_lease FROM "SpendLease"
  WHERE id = p_lease AND "organizationId" = p_org AND "endpointId" = p_endpoint
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'not_found');
  END IF;
  IF v_lease."settledAt" IS NOT NULL THEN
    RETURN jsonb_build_object('status', 'replayed', 'leaseId', v_lease.id,
      'amountUsd', v_lease."amountUsd"::text, 'costUsd', v_lease."costUsd"::text,
      'settledAt', v_lease."settledAt", 'late', v_lease."releasedAt" IS NOT NULL,
      'alertIds', '[]'::jsonb);
  END IF;
  v_late := v_lease."releasedAt" IS NOT NULL;

  UPDATE "SpendLease"
  SET "settledAt" = p_now, "costUsd" = p_cost, "inputTokens" = p_input_tokens,
      "outputTokens" = p_output_tokens, "openUntil" = NULL
  WHERE id = p_lease;

  FOR v_budget IN
    SELECT b.limit_id, b.period_key, l."alertThresholds" AS thresholds
    FROM unnest(v_lease."limitIds", v_lease."periodKeys") AS b(limit_id, period_key)
    LEFT JOIN "SpendLimit" l ON l.id = b.limit_id
    ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key
  LOOP
    UPDATE "SpendCounter" c
    SET "spentUsd" = c."spentUsd" + p_cost,
        "reservedUsd" = c."reservedUsd" - CASE WHEN v_late THEN 0 ELSE v_lease."amountUsd" END,
        "updatedAt" = p_now
    WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key
    RETURNING c."spentUsd", c."limitUsd" INTO v_spent, v_limit;

    IF v_limit > 0 AND EXISTS (
      SELECT 1 FROM unnest(v_budget.thresholds) AS t
      WHERE (v_spent - p_cost) * 100 < t * v_limit AND v_spent * 100 >= t * v_limit
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

  RETURN jsonb_build_object('status', 'settled', 'leaseId', v_lease.id,
    'amountUsd', v_lease."amountUsd"::text, 'costUsd', p_cost::text, 'settledAt', p_now,
    'late', v_late, 'alertIds', to_jsonb(v_alert_ids));
END
$$;

CREATE OR REPLACE FUNCTION steward_spend_release_expired(p_org uuid, p_now timestamp)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_ids uuid[];
  v_budget record;
BEGIN
  SELECT coalesce(array_agg(id), '{}') INTO v_ids FROM (
    SELECT id FROM "SpendLease"
    WHERE "organizationId" = p_org AND "openUntil" <= p_now
    FOR UPDATE SKIP LOCKED
  ) expired;
  IF cardinality(v_ids) = 0 THEN
    RETURN 0;
  END IF;
  UPDATE "SpendLease" SET "releasedAt" = p_now, "openUntil" = NULL WHERE id = ANY(v_ids);
  FOR v_budget IN
    SELECT b.limit_id, b.period_key, sum(e."amountUsd") AS total,
      bool_or(l."subjectType" = 'group') AS is_group
    FROM "SpendLease" e
    CROSS JOIN unnest(e."limitIds", e."periodKeys") AS b(limit_id, period_key)
    LEFT JOIN "SpendLimit" l ON l.id = b.limit_id
    WHERE e.id = ANY(v_ids)
    GROUP BY b.limit_id, b.period_key
    ORDER BY is_group, b.limit_id, b.period_key
  LOOP
    UPDATE "SpendCounter" c SET "reservedUsd" = c."reservedUsd" - v_budget.total
    WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key;
  END LOOP;
  RETURN cardinality(v_ids);
END
$$;
