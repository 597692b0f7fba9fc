-- Hand-written: the batch functions find leases by key, whatever the planner believes. unnest()
-- of a batch is estimated at 100 rows whatever the batch holds (usually a handful), so joining it
-- to SpendLease looked cheaper as one sequential scan and hash join than as index probes, and the
-- cached plan kept reading the whole table as leases accumulated (seen as tens of millions of
-- rows read by sequential scans in one spend bench run). The idempotency lookup is a LATERAL probe
-- of its unique index per request, and the settle's lease ids are also given as `id = ANY(...)`,
-- which is estimated from the array itself and read through the primary key.

CREATE OR REPLACE FUNCTION steward_spend_reserve_batch(
  p_orgs uuid[], p_users uuid[], p_endpoints uuid[], p_leases uuid[], p_amounts numeric[],
  p_nows timestamp[], p_expires timestamp[], p_models text[], p_idempotency_keys text[],
  p_budget_leases int[], p_budget_limit_ids uuid[], p_budget_period_keys text[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(p_leases);
  v_outcomes jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
  v_existing record;
  -- The counters of the batch, in lock order, with their running totals.
  v_ids uuid[];
  v_keys text[];
  v_limits numeric[];
  v_enforcements text[];
  v_spent numeric[];
  v_reserved numeric[];
  v_touched boolean[];
  -- Per lease, its budgets as positions in the counter arrays, in lock order.
  v_positions int[];
  -- The budgets of the granted leases, as (lease index, limitId, periodKey) in lock order.
  v_grant_leases int[] := '{}';
  v_grant_limit_ids uuid[] := '{}';
  v_grant_period_keys text[] := '{}';
  v_refused_at integer;
  v_budgets jsonb;
  j integer;
BEGIN
  -- Leases named by an idempotency key that already has one answer with it.
  FOR v_existing IN
    SELECT r.i, e.id, e."amountUsd", e."expiresAt"
    FROM unnest(p_endpoints, p_idempotency_keys) WITH ORDINALITY AS r(endpoint_id, idem_key, i)
    CROSS JOIN LATERAL (
      SELECT id, "amountUsd", "expiresAt" FROM "SpendLease"
      WHERE "endpointId" = r.endpoint_id AND "idempotencyKey" = r.idem_key
    ) e
    WHERE r.idem_key IS NOT NULL
  LOOP
    v_outcomes[v_existing.i] := jsonb_build_object('status', 'existing', 'leaseId', v_existing.id,
      'amountUsd', v_existing."amountUsd"::text, 'expiresAt', v_existing."expiresAt");
  END LOOP;

  -- Every counter the new leases reserve against, in lock order.
  SELECT coalesce(array_agg(c.limit_id ORDER BY c.is_group, c.limit_id, c.period_key), '{}'),
         coalesce(array_agg(c.period_key ORDER BY c.is_group, c.limit_id, c.period_key), '{}'),
         coalesce(array_agg(c.amount ORDER BY c.is_group, c.limit_id, c.period_key), '{}'),
         coalesce(array_agg(c.enforcement ORDER BY c.is_group, c.limit_id, c.period_key), '{}')
  INTO v_ids, v_keys, v_limits, v_enforcements
  FROM (
    SELECT DISTINCT b.limit_id, b.period_key, l."subjectType" = 'group' AS is_group,
      l."amountUsd" AS amount, l.enforcement::text AS enforcement
    FROM unnest(p_budget_leases, p_budget_limit_ids, p_budget_period_keys)
      AS b(lease_index, limit_id, period_key)
    JOIN "SpendLimit" l ON l.id = b.limit_id AND l."organizationId" = p_orgs[b.lease_index]
    WHERE v_outcomes[b.lease_index] IS NULL
  ) c;

  IF cardinality(v_ids) > 0 THEN
    -- A new period starts at zero: its counter rows are created first (in lock order), then every
    -- counter is locked in lock order.
    INSERT INTO "SpendCounter" ("organizationId", "limitId", "periodKey", "limitUsd", "spentUsd",
      "reservedUsd", "updatedAt")
    SELECT l."organizationId", c.limit_id, c.period_key, c.amount, 0, 0, p_nows[1]
    FROM unnest(v_ids, v_keys, v_limits)
      WITH ORDINALITY AS c(limit_id, period_key, amount, position)
    JOIN "SpendLimit" l ON l.id = c.limit_id
    ORDER BY c.position
    ON CONFLICT ("limitId", "periodKey") DO NOTHING;

    SELECT array_agg(locked."spentUsd" ORDER BY locked.position),
           array_agg(locked."reservedUsd" ORDER BY locked.position)
    INTO v_spent, v_reserved
    FROM (
      SELECT k.position, s."spentUsd", s."reservedUsd"
      FROM unnest(v_ids, v_keys) WITH ORDINALITY AS k(limit_id, period_key, position)
      JOIN "SpendCounter" s ON s."limitId" = k.limit_id AND s."periodKey" = k.period_key
      ORDER BY k.position
      FOR UPDATE OF s
    ) locked;
    IF cardinality(v_spent) IS DISTINCT FROM cardinality(v_ids) THEN
      RAISE EXCEPTION 'spend counters vanished while reserving' USING ERRCODE = '40001';
    END IF;
  END IF;
  v_touched := array_fill(false, ARRAY[greatest(cardinality(v_ids), 1)]);

  -- The leases in arrival order, each against the running totals.
  FOR i IN 1..n LOOP
    CONTINUE WHEN v_outcomes[i] IS NOT NULL;
    SELECT coalesce(array_agg(c.position ORDER BY c.position), '{}') INTO v_positions
    FROM unnest(p_budget_leases, p_budget_limit_ids, p_budget_period_keys)
      AS b(lease_index, limit_id, period_key)
    JOIN unnest(v_ids, v_keys) WITH ORDINALITY AS c(limit_id, period_key, position)
      ON c.limit_id = b.limit_id AND c.period_key = b.period_key
    WHERE b.lease_index = i;

    v_refused_at := NULL;
    FOREACH j IN ARRAY v_positions LOOP
      IF v_enforcements[j] = 'hard'
         AND v_spent[j] + v_reserved[j] + p_amounts[i] > v_limits[j] THEN
        v_refused_at := j;
        EXIT;
      END IF;
    END LOOP;

    IF v_refused_at IS NOT NULL THEN
      v_outcomes[i] := jsonb_build_object('status', 'refused', 'budgets', jsonb_build_array(
        jsonb_build_object('limitId', v_ids[v_refused_at], 'periodKey', v_keys[v_refused_at],
          'enforcement', v_enforcements[v_refused_at], 'limitUsd', v_limits[v_refused_at]::text,
          'spentUsd', v_spent[v_refused_at]::text,
          'reservedUsd', v_reserved[v_refused_at]::text)));
      CONTINUE;
    END IF;

    v_budgets := '[]';
    FOREACH j IN ARRAY v_positions LOOP
      v_reserved[j] := v_reserved[j] + p_amounts[i];
      v_touched[j] := true;
      v_grant_leases := v_grant_leases || i;
      v_grant_limit_ids := v_grant_limit_ids || v_ids[j];
      v_grant_period_keys := v_grant_period_keys || v_keys[j];
      v_budgets := v_budgets || jsonb_build_object('limitId', v_ids[j], 'periodKey', v_keys[j],
        'enforcement', v_enforcements[j], 'limitUsd', v_limits[j]::text,
        'spentUsd', v_spent[j]::text, 'reservedUsd', v_reserved[j]::text);
    END LOOP;
    v_outcomes[i] := jsonb_build_object('status', 'granted', 'leaseId', p_leases[i],
      'amountUsd', p_amounts[i]::text, 'expiresAt', p_expires[i], 'budgets', v_budgets);
  END LOOP;

  -- The granted leases, then each counter written once (its rows are locked: the order of these
  -- writes cannot deadlock). A lease with the idempotency key of a lease another call is writing
  -- waits for it here and then fails on the unique key; the caller retries and finds that lease.
  INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey", model,
    "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
  SELECT p_leases[i], p_orgs[i], p_users[i], p_endpoints[i], p_idempotency_keys[i], p_models[i],
    p_amounts[i],
    coalesce((SELECT array_agg(g.limit_id ORDER BY g.position)
      FROM unnest(v_grant_leases, v_grant_limit_ids)
        WITH ORDINALITY AS g(lease_index, limit_id, position)
      WHERE g.lease_index = i), '{}'),
    coalesce((SELECT array_agg(g.period_key ORDER BY g.position)
      FROM unnest(v_grant_leases, v_grant_period_keys)
        WITH ORDINALITY AS g(lease_index, period_key, position)
      WHERE g.lease_index = i), '{}'),
    p_nows[i], p_expires[i], p_expires[i]
  FROM generate_subscripts(p_leases, 1) AS i
  WHERE v_outcomes[i]->>'status' = 'granted';

  UPDATE "SpendCounter" s
  SET "reservedUsd" = c.reserved, "limitUsd" = c.amount, "updatedAt" = p_nows[1]
  FROM unnest(v_ids, v_keys, v_reserved, v_limits, v_touched)
    AS c(limit_id, period_key, reserved, amount, touched)
  WHERE c.touched AND s."limitId" = c.limit_id AND s."periodKey" = c.period_key;

  RETURN to_jsonb(v_outcomes);
END
$$;

CREATE OR REPLACE FUNCTION steward_spend_settle_batch(
  p_orgs uuid[], p_endpoints uuid[], p_leases uuid[], p_costs numeric[], p_input_tokens int[],
  p_output_tokens int[], p_nows timestamp[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_outcomes jsonb[] := array_fill(NULL::jsonb, ARRAY[cardinality(p_leases)]);
  v_row record;
BEGIN
  FOR v_row IN
    UPDATE "SpendLease" e
    SET "settledAt" = s.now, "costUsd" = s.cost, "inputTokens" = s.input_tokens,
        "outputTokens" = s.output_tokens, "openUntil" = '1970-01-01'
    FROM unnest(p_orgs, p_endpoints, p_leases, p_costs, p_input_tokens, p_output_tokens, p_nows)
      WITH ORDINALITY AS s(org_id, endpoint_id, lease_id, cost, input_tokens, output_tokens, now, i)
    WHERE e.id = ANY(p_leases) AND e.id = s.lease_id AND e."organizationId" = s.org_id
      AND e."endpointId" = s.endpoint_id AND e."settledAt" IS NULL
    RETURNING s.i, e.id, e."amountUsd", s.cost, s.now, e."releasedAt"
  LOOP
    v_outcomes[v_row.i] := jsonb_build_object('status', 'settled', 'leaseId', v_row.id,
      'amountUsd', v_row."amountUsd"::text, 'costUsd', v_row.cost::text, 'settledAt', v_row.now,
      'late', v_row."releasedAt" IS NOT NULL,
      'foldNow', v_row."releasedAt" IS NOT NULL OR v_row.cost > v_row."amountUsd");
  END LOOP;

  -- Settled before (a retry): answered with the first settlement.
  FOR v_row IN
    SELECT s.i, e.id, e."amountUsd", e."costUsd", e."settledAt", e."releasedAt"
    FROM unnest(p_orgs, p_endpoints, p_leases)
      WITH ORDINALITY AS s(org_id, endpoint_id, lease_id, i)
    JOIN "SpendLease" e ON e.id = s.lease_id AND e."organizationId" = s.org_id
      AND e."endpointId" = s.endpoint_id
    WHERE v_outcomes[s.i] IS NULL AND e.id = ANY(p_leases)
  LOOP
    v_outcomes[v_row.i] := jsonb_build_object('status', 'replayed', 'leaseId', v_row.id,
      'amountUsd', v_row."amountUsd"::text, 'costUsd', v_row."costUsd"::text,
      'settledAt', v_row."settledAt", 'late', v_row."releasedAt" IS NOT NULL, 'foldNow', false);
  END LOOP;

  RETURN (SELECT jsonb_agg(coalesce(o, '{"status":"not_found"}'::jsonb) ORDER BY i)
          FROM unnest(v_outcomes) WITH ORDINALITY AS u(o, i));
END
$$;
