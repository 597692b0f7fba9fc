-- Hand-written: a lease request may carry the settlement of the endpoint's previous lease
-- (docs/endpoint-protocol.md, "Spend leases"): one request per model call instead of two. The
-- settle and the reserve go into the same batched call, the settles first; a lease whose carried
-- settle named no lease of its endpoint is not reserved at all (the request changes nothing, and
-- is refused as the settle on its own would be).
--
-- steward_spend_reserve_batch takes one more argument, p_skip: per lease, true when its request
-- carried such a settle; those leases answer status 'skipped'. Otherwise it is the function of the
-- migration 20261124110000_spend_leaner_functions, unchanged.
--
-- steward_spend_batch is the one statement SpendRepository sends per call: the settles (when
-- there are any), then the reserves (when there are any), with p_settle_of naming, per lease, the
-- 1-based position of the settle its request carried (null when none). It answers
-- {"settled": <settle answer or null>, "reserved": <reserve answer or null>}.
DROP FUNCTION steward_spend_reserve_batch(uuid[], uuid[], uuid[], uuid[], numeric[], timestamp[],
  timestamp[], text[], text[], int[], uuid[], text[]);

CREATE FUNCTION steward_spend_reserve_batch(
  p_orgs uuid[], p_users uuid[], p_endpoints uuid[], p_leases uuid[], p_amounts numeric[],
  p_nows timestamp[], p_expires timestamp[], p_models text[], p_idempotency_keys text[],
  p_budget_leases int[], p_budget_limit_ids uuid[], p_budget_period_keys text[],
  p_skip boolean[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(p_leases);
  m integer := coalesce(cardinality(p_budget_leases), 0);
  v_status text[] := array_fill(NULL::text, ARRAY[n]);
  v_existing jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
  v_row record;
  -- The counters of the batch, in lock order, with their running totals.
  v_ids uuid[] := '{}';
  v_keys text[] := '{}';
  v_limits numeric[] := '{}';
  v_enforcements text[] := '{}';
  v_spent numeric[];
  v_reserved numeric[];
  v_touched boolean[];
  v_positions int[];
  v_after text[] := array_fill(NULL::text, ARRAY[greatest(m, 1)]);
  -- Per lease, where its budget entries start in p_budget_* (p_budget_leases is in lease order).
  v_first int[] := array_fill(1, ARRAY[n + 1]);
  v_granted int[] := '{}';
  v_refused_at integer;
  v_locked integer;
  j integer;
BEGIN
  -- Leases whose request carried a settle that named no lease of its endpoint: nothing of that
  -- request happens.
  FOR i IN 1..n LOOP
    IF p_skip[i] THEN
      v_status[i] := 'skipped';
    END IF;
  END LOOP;

  -- Leases named by an idempotency key that already has one answer with it.
  FOR v_row IN
    SELECT r.i, e.id, e."amountUsd", e."expiresAt"
    FROM unnest(p_endpoints, p_idempotency_keys) WITH ORDINALITY AS r(endpoint_id, idem_key, i)
    CROSS JOIN LATERAL (
      SELECT id, "amountUsd", "expiresAt" FROM "SpendLease"
      WHERE "endpointId" = r.endpoint_id AND "idempotencyKey" = r.idem_key
    ) e
    WHERE r.idem_key IS NOT NULL AND v_status[r.i] IS NULL
  LOOP
    v_status[v_row.i] := 'existing';
    v_existing[v_row.i] := jsonb_build_array(v_row.id, v_row."amountUsd"::text, v_row."expiresAt");
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
    WHERE v_status[b.lease_index] IS NULL
  ) c;

  IF cardinality(v_ids) > 0 THEN
    -- Every counter locked in lock order. A new period's counter rows do not exist yet: they are
    -- created (in lock order) and everything is locked again.
    FOR attempt IN 1..2 LOOP
      SELECT count(*)::int,
             array_agg(locked."spentUsd" ORDER BY locked.position),
             array_agg(locked."reservedUsd" ORDER BY locked.position)
      INTO v_locked, v_spent, v_reserved
      FROM (
        SELECT k.position, s."spentUsd", s."reservedUsd"
        FROM unnest(v_ids, v_keys) WITH ORDINALITY AS k(limit_id, period_key, position)
        JOIN "SpendCounter" s ON s."limitId" = k.limit_id AND s."periodKey" = k.period_key
        ORDER BY k.position
        FOR UPDATE OF s
      ) locked;
      EXIT WHEN v_locked = cardinality(v_ids);
      IF attempt = 2 THEN
        RAISE EXCEPTION 'spend counters vanished while reserving' USING ERRCODE = '40001';
      END IF;
      INSERT INTO "SpendCounter" ("organizationId", "limitId", "periodKey", "limitUsd",
        "spentUsd", "reservedUsd", "updatedAt")
      SELECT l."organizationId", c.limit_id, c.period_key, c.amount, 0, 0, p_nows[1]
      FROM unnest(v_ids, v_keys, v_limits)
        WITH ORDINALITY AS c(limit_id, period_key, amount, position)
      JOIN "SpendLimit" l ON l.id = c.limit_id
      ORDER BY c.position
      ON CONFLICT ("limitId", "periodKey") DO NOTHING;
    END LOOP;

    SELECT array_agg(c.position ORDER BY b.ord) INTO v_positions
    FROM unnest(p_budget_limit_ids, p_budget_period_keys)
      WITH ORDINALITY AS b(limit_id, period_key, ord)
    LEFT JOIN unnest(v_ids, v_keys) WITH ORDINALITY AS c(limit_id, period_key, position)
      ON c.limit_id = b.limit_id AND c.period_key = b.period_key;
  END IF;
  v_touched := array_fill(false, ARRAY[greatest(cardinality(v_ids), 1)]);

  FOR k IN 1..m LOOP
    v_first[p_budget_leases[k] + 1] := k + 1;
  END LOOP;
  FOR i IN 2..n + 1 LOOP
    v_first[i] := greatest(v_first[i], v_first[i - 1]);
  END LOOP;

  -- The leases in arrival order, each against the running totals.
  FOR i IN 1..n LOOP
    CONTINUE WHEN v_status[i] IS NOT NULL;
    v_refused_at := NULL;
    FOR k IN v_first[i]..v_first[i + 1] - 1 LOOP
      j := v_positions[k];
      CONTINUE WHEN j IS NULL;
      IF v_enforcements[j] = 'hard'
         AND v_spent[j] + v_reserved[j] + p_amounts[i] > v_limits[j] THEN
        v_refused_at := k;
        EXIT;
      END IF;
    END LOOP;

    IF v_refused_at IS NOT NULL THEN
      v_status[i] := 'refused';
      v_after[v_refused_at] := v_reserved[v_positions[v_refused_at]]::text;
      CONTINUE;
    END IF;

    FOR k IN v_first[i]..v_first[i + 1] - 1 LOOP
      j := v_positions[k];
      CONTINUE WHEN j IS NULL;
      v_reserved[j] := v_reserved[j] + p_amounts[i];
      v_touched[j] := true;
      v_after[k] := v_reserved[j]::text;
    END LOOP;
    v_status[i] := 'granted';
    v_granted := v_granted || i;
  END LOOP;

  -- The granted leases with their budgets, then each counter written once (its rows are locked:
  -- the order of these writes cannot deadlock). A lease with the idempotency key of a lease another
  -- call is writing waits for it here and then fails on the unique key; the caller retries and
  -- finds that lease.
  INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey", model,
    "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
  SELECT p_leases[g.i], p_orgs[g.i], p_users[g.i], p_endpoints[g.i], p_idempotency_keys[g.i],
    p_models[g.i], p_amounts[g.i], coalesce(b.limit_ids, '{}'), coalesce(b.period_keys, '{}'),
    p_nows[g.i], p_expires[g.i], p_expires[g.i]
  FROM unnest(v_granted) AS g(i)
  LEFT JOIN (
    SELECT f.lease_index, array_agg(f.limit_id ORDER BY f.ord) AS limit_ids,
      array_agg(f.period_key ORDER BY f.ord) AS period_keys
    FROM unnest(p_budget_leases, p_budget_limit_ids, p_budget_period_keys, v_positions)
      WITH ORDINALITY AS f(lease_index, limit_id, period_key, position, ord)
    WHERE f.position IS NOT NULL
    GROUP BY f.lease_index
  ) b ON b.lease_index = g.i;

  IF cardinality(v_granted) > 0 THEN
    UPDATE "SpendCounter" s
    SET "reservedUsd" = c.reserved, "limitUsd" = c.amount, "updatedAt" = p_nows[1]
    FROM unnest(v_ids, v_keys, v_reserved, v_limits, v_touched)
      AS c(limit_id, period_key, reserved, amount, touched)
    WHERE c.touched AND s."limitId" = c.limit_id AND s."periodKey" = c.period_key;
  END IF;

  RETURN jsonb_build_object(
    'status', to_jsonb(v_status),
    'counters', jsonb_build_object('ids', to_jsonb(v_ids), 'keys', to_jsonb(v_keys),
      'limits', to_jsonb(v_limits::text[]), 'enforcements', to_jsonb(v_enforcements),
      'spent', to_jsonb(coalesce(v_spent, '{}')::text[])),
    'positions', to_jsonb(coalesce(v_positions, '{}')),
    'reserved', to_jsonb(v_after),
    'existing', to_jsonb(v_existing));
END
$$;

CREATE FUNCTION steward_spend_batch(
  p_settle_orgs uuid[], p_settle_endpoints uuid[], p_settle_leases uuid[], p_costs numeric[],
  p_input_tokens int[], p_output_tokens int[], p_settle_nows timestamp[],
  p_orgs uuid[], p_users uuid[], p_endpoints uuid[], p_leases uuid[], p_amounts numeric[],
  p_nows timestamp[], p_expires timestamp[], p_models text[], p_idempotency_keys text[],
  p_budget_leases int[], p_budget_limit_ids uuid[], p_budget_period_keys text[],
  p_settle_of int[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_settled jsonb;
  v_reserved jsonb;
  v_skip boolean[];
BEGIN
  IF cardinality(p_settle_leases) > 0 THEN
    v_settled := steward_spend_settle_batch(p_settle_orgs, p_settle_endpoints, p_settle_leases,
      p_costs, p_input_tokens, p_output_tokens, p_settle_nows);
  END IF;
  IF cardinality(p_leases) > 0 THEN
    SELECT array_agg(coalesce(v_settled->'status'->>(s.position - 1) = 'not_found', false)
      ORDER BY s.i)
    INTO v_skip
    FROM unnest(p_settle_of) WITH ORDINALITY AS s(position, i);
    v_reserved := steward_spend_reserve_batch(p_orgs, p_users, p_endpoints, p_leases, p_amounts,
      p_nows, p_expires, p_models, p_idempotency_keys, p_budget_leases, p_budget_limit_ids,
      p_budget_period_keys, v_skip);
  END IF;
  RETURN jsonb_build_object('settled', v_settled, 'reserved', v_reserved);
END
$$;
