-- Hand-written: the same reserve and settle with fewer statements per call (each statement of a
-- PL/pgSQL function is a trip through the executor): reserve reads its limits once, settle marks
-- an unsettled lease in one UPDATE. Behaviour and lock order are unchanged.

CREATE OR REPLACE FUNCTION steward_spend_reserve(
  p_org uuid, p_user uuid, p_endpoint uuid, p_lease uuid, p_amount numeric,
  p_limit_ids uuid[], p_period_keys text[], p_now timestamp, p_expires timestamp,
  p_model text, p_idempotency_key text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_existing record;
  v_ids uuid[];
  v_keys text[];
  v_amounts numeric[];
  v_enforcements text[];
  v_count integer;
  v_spent numeric;
  v_reserved numeric;
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

  -- The budgets in the one lock order: group limits last, then limitId, periodKey.
  SELECT coalesce(array_agg(b.limit_id ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}'),
         coalesce(array_agg(b.period_key ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}'),
         coalesce(array_agg(l."amountUsd" ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}'),
         coalesce(array_agg(l.enforcement::text ORDER BY l."subjectType" = 'group', b.limit_id, b.period_key), '{}')
  INTO v_ids, v_keys, v_amounts, v_enforcements
  FROM unnest(p_limit_ids, p_period_keys) AS b(limit_id, period_key)
  JOIN "SpendLimit" l ON l.id = b.limit_id AND l."organizationId" = p_org;
  v_count := cardinality(v_ids);

  -- The lease row first (a second request with the same idempotency key waits here, holding no
  -- budget row, and then fails on the unique key; the caller retries and finds this lease).
  INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey", model,
    "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
  VALUES (p_lease, p_org, p_user, p_endpoint, p_idempotency_key, p_model, p_amount, v_ids,
    v_keys, p_now, p_expires, p_expires);

  FOR i IN 1..v_count LOOP
    v_spent := NULL;
    IF v_enforcements[i] = 'soft' OR p_amount <= v_amounts[i] THEN
      INSERT INTO "SpendCounter" AS c
        ("organizationId", "limitId", "periodKey", "limitUsd", "spentUsd", "reservedUsd", "updatedAt")
      VALUES (p_org, v_ids[i], v_keys[i], v_amounts[i], 0, p_amount, p_now)
      ON CONFLICT ("limitId", "periodKey") DO UPDATE
        SET "reservedUsd" = c."reservedUsd" + EXCLUDED."reservedUsd",
            "limitUsd" = EXCLUDED."limitUsd", "updatedAt" = EXCLUDED."updatedAt"
        WHERE v_enforcements[i] = 'soft'
           OR c."spentUsd" + c."reservedUsd" + EXCLUDED."reservedUsd" <= EXCLUDED."limitUsd"
      RETURNING c."spentUsd", c."reservedUsd" INTO v_spent, v_reserved;
    END IF;

    IF v_spent IS NULL THEN
      -- Refused: give back what this call reserved so far (those rows are locked by us) and drop
      -- the lease.
      IF i > 1 THEN
        UPDATE "SpendCounter" c SET "reservedUsd" = c."reservedUsd" - p_amount
        FROM unnest(v_ids[1:i - 1], v_keys[1:i - 1]) AS d(limit_id, period_key)
        WHERE c."limitId" = d.limit_id AND c."periodKey" = d.period_key;
      END IF;
      DELETE FROM "SpendLease" WHERE id = p_lease;
      SELECT c."spentUsd", c."reservedUsd" INTO v_spent, v_reserved FROM "SpendCounter" c
      WHERE c."limitId" = v_ids[i] AND c."periodKey" = v_keys[i];
      RETURN jsonb_build_object('status', 'refused', 'budgets', jsonb_build_array(jsonb_build_object(
        'limitId', v_ids[i], 'periodKey', v_keys[i], 'enforcement', v_enforcements[i],
        'limitUsd', v_amounts[i]::text, 'spentUsd', coalesce(v_spent, 0)::text,
        'reservedUsd', coalesce(v_reserved, 0)::text)));
    END IF;

    v_budgets := v_budgets || jsonb_build_object(
      'limitId', v_ids[i], 'periodKey', v_keys[i], 'enforcement', v_enforcements[i],
      'limitUsd', v_amounts[i]::text, 'spentUsd', v_spent::text, 'reservedUsd', v_reserved::text);
  END LOOP;

  RETURN jsonb_build_object('status', 'granted', 'leaseId', p_lease, 'amountUsd', p_amount::text,
    'expiresAt', p_expires, 'budgets', v_budgets);
END
$$;

CREATE OR REPLACE FUNCTION steward_spend_settle(
  p_org uuid, p_endpoint uuid, p_lease uuid, p_cost numeric, p_input_tokens int,
  p_output_tokens int, p_now timestamp
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_lease record;
BEGIN
  UPDATE "SpendLease"
  SET "settledAt" = p_now, "costUsd" = p_cost, "inputTokens" = p_input_tokens,
      "outputTokens" = p_output_tokens, "openUntil" = '1970-01-01'
  WHERE id = p_lease AND "organizationId" = p_org AND "endpointId" = p_endpoint
    AND "settledAt" IS NULL
  RETURNING id, "amountUsd", "releasedAt" INTO v_lease;
  IF FOUND THEN
    RETURN jsonb_build_object('status', 'settled', 'leaseId', v_lease.id,
      'amountUsd', v_lease."amountUsd"::text, 'costUsd', p_cost::text, 'settledAt', p_now,
      'late', v_lease."releasedAt" IS NOT NULL,
      'foldNow', v_lease."releasedAt" IS NOT NULL OR p_cost > v_lease."amountUsd");
  END IF;
  -- Settled before (a retry): answer with the first settlement.
  SELECT id, "amountUsd", "costUsd", "settledAt", "releasedAt" INTO v_lease FROM "SpendLease"
  WHERE id = p_lease AND "organizationId" = p_org AND "endpointId" = p_endpoint;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('status', 'not_found');
  END IF;
  RETURN jsonb_build_object('status', 'replayed', 'leaseId', v_lease.id,
    'amountUsd', v_lease."amountUsd"::text, 'costUsd', v_lease."costUsd"::text,
    'settledAt', v_lease."settledAt", 'late', v_lease."releasedAt" IS NOT NULL,
    'foldNow', false);
END
$$;
