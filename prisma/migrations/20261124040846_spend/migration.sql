-- The spend tables and the functions that reserve, settle and fold leases, in their final form.
-- This one migration replaced eight (20261124040846_spend and the seven that redefined its
-- functions, up to 20261206180000_spend_lease_carries_settle); a database that applied those is
-- recorded as having applied this one instead (platform/database/squashed-migrations.ts).

-- CreateTable
CREATE TABLE "ModelPrice" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "inputUsdPerMillion" DECIMAL(18,6) NOT NULL,
    "outputUsdPerMillion" DECIMAL(18,6) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ModelPrice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendCounter" (
    "organizationId" UUID NOT NULL,
    "limitId" UUID NOT NULL,
    "periodKey" TEXT NOT NULL,
    "limitUsd" DECIMAL(18,6) NOT NULL,
    "spentUsd" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "reservedUsd" DECIMAL(18,6) NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpendCounter_pkey" PRIMARY KEY ("limitId","periodKey")
);

-- CreateTable
CREATE TABLE "SpendLease" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "endpointId" UUID NOT NULL,
    "idempotencyKey" TEXT,
    "model" TEXT,
    "amountUsd" DECIMAL(18,6) NOT NULL,
    "limitIds" UUID[],
    "periodKeys" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "openUntil" TIMESTAMP(3),
    "costUsd" DECIMAL(18,6),
    "inputTokens" INTEGER,
    "outputTokens" INTEGER,
    "settledAt" TIMESTAMP(3),
    "releasedAt" TIMESTAMP(3),

    CONSTRAINT "SpendLease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendAlert" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "limitId" UUID NOT NULL,
    "periodKey" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "spentUsd" DECIMAL(18,6) NOT NULL,
    "limitUsd" DECIMAL(18,6) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "auditedAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "SpendAlert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendWebhook" (
    "organizationId" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secretSealed" BYTEA NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SpendWebhook_pkey" PRIMARY KEY ("organizationId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ModelPrice_organizationId_model_key" ON "ModelPrice"("organizationId", "model");

-- CreateIndex
CREATE INDEX "SpendCounter_organizationId_periodKey_idx" ON "SpendCounter"("organizationId", "periodKey");

-- CreateIndex
CREATE INDEX "SpendLease_organizationId_openUntil_idx" ON "SpendLease"("organizationId", "openUntil");

-- CreateIndex
CREATE INDEX "SpendLease_organizationId_settledAt_idx" ON "SpendLease"("organizationId", "settledAt");

-- CreateIndex
CREATE UNIQUE INDEX "SpendLease_endpointId_idempotencyKey_key" ON "SpendLease"("endpointId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "SpendAlert_organizationId_createdAt_idx" ON "SpendAlert"("organizationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SpendAlert_limitId_periodKey_threshold_key" ON "SpendAlert"("limitId", "periodKey", "threshold");

-- AddForeignKey
ALTER TABLE "ModelPrice" ADD CONSTRAINT "ModelPrice_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendCounter" ADD CONSTRAINT "SpendCounter_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendLease" ADD CONSTRAINT "SpendLease_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendAlert" ADD CONSTRAINT "SpendAlert_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendWebhook" ADD CONSTRAINT "SpendWebhook_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: the endpoint protocol's spend calls (docs/endpoint-protocol.md, "Spend leases").
-- SpendRepository sends one statement per call, steward_spend_batch, carrying the requests that
-- arrived at one API process while its previous call ran: their settles, then their reserves, in
-- one transaction. A team's counter row is shared by every member and each transaction that writes
-- it holds its lock through the commit, so a batch writes it, and commits, once for all its leases.
--
-- * Each lease is all or nothing: the batch checks its leases one after the other against the
--   running totals of the counters it locked, so it grants exactly what the same leases would one
--   at a time, and the sum of leases never exceeds a hard budget.
-- * Counters are locked in one total order in every function (is a group limit, limitId,
--   periodKey): the shared team counter last, and two API processes never deadlock.
-- * Settling only marks the lease (openUntil in the past); steward_spend_reconcile folds settled
--   leases into their counters (spent += cost, reserved -= amount) and releases expired ones, in
--   batches. Until then a settled lease keeps its amount reserved, which can only refuse early,
--   never overspend; the caller folds before it refuses, and at once for a late settle or a cost
--   above the leased amount. Alerts are written by the fold that crossed their threshold.
-- * Leases are found through their indexes (a LATERAL probe of the idempotency key, lease ids as
--   `id = ANY(...)`): unnest() is estimated at 100 rows whatever a batch holds, and a cached plan
--   otherwise read the whole lease table per call.
-- * Each function answers with one JSON document of parallel arrays, built once; SpendRepository
--   turns the arrays back into one outcome per request. Amounts are decimal strings.

-- Settles leases i = 1..n (parallel arrays); a lease named twice in one batch is settled by one of
-- them and the other answers as its replay. Answers, per lease (aligned with p_leases):
--   status: 'settled' | 'replayed' | 'not_found'
--   amount, cost (decimal strings), settledAt, late, foldNow (see SettleOutcome)
CREATE FUNCTION steward_spend_settle_batch(
  p_orgs uuid[], p_endpoints uuid[], p_leases uuid[], p_costs numeric[], p_input_tokens int[],
  p_output_tokens int[], p_nows timestamp[]
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(p_leases);
  v_status text[] := array_fill('not_found'::text, ARRAY[n]);
  v_amounts text[] := array_fill(NULL::text, ARRAY[n]);
  v_costs text[] := array_fill(NULL::text, ARRAY[n]);
  v_settled_at timestamp[] := array_fill(NULL::timestamp, ARRAY[n]);
  v_late boolean[] := array_fill(false, ARRAY[n]);
  v_fold_now boolean[] := array_fill(false, ARRAY[n]);
  v_row record;
  v_settled integer := 0;
BEGIN
  FOR v_row IN
    UPDATE "SpendLease" e
    SET "settledAt" = s.now, "costUsd" = s.cost, "inputTokens" = s.input_tokens,
        "outputTokens" = s.output_tokens, "openUntil" = '1970-01-01'
    FROM unnest(p_orgs, p_endpoints, p_leases, p_costs, p_input_tokens, p_output_tokens, p_nows)
      WITH ORDINALITY AS s(org_id, endpoint_id, lease_id, cost, input_tokens, output_tokens, now, i)
    WHERE e.id = ANY(p_leases) AND e.id = s.lease_id AND e."organizationId" = s.org_id
      AND e."endpointId" = s.endpoint_id AND e."settledAt" IS NULL
    RETURNING s.i, e."amountUsd", s.cost, s.now, e."releasedAt"
  LOOP
    v_settled := v_settled + 1;
    v_status[v_row.i] := 'settled';
    v_amounts[v_row.i] := v_row."amountUsd"::text;
    v_costs[v_row.i] := v_row.cost::text;
    v_settled_at[v_row.i] := v_row.now;
    v_late[v_row.i] := v_row."releasedAt" IS NOT NULL;
    v_fold_now[v_row.i] := v_row."releasedAt" IS NOT NULL OR v_row.cost > v_row."amountUsd";
  END LOOP;

  -- Settled before (a retry): answered with the first settlement.
  IF v_settled < n THEN
    FOR v_row IN
      SELECT s.i, e."amountUsd", e."costUsd", e."settledAt", e."releasedAt"
      FROM unnest(p_orgs, p_endpoints, p_leases)
        WITH ORDINALITY AS s(org_id, endpoint_id, lease_id, i)
      JOIN "SpendLease" e ON e.id = s.lease_id AND e."organizationId" = s.org_id
        AND e."endpointId" = s.endpoint_id
      WHERE v_status[s.i] = 'not_found' AND e.id = ANY(p_leases)
    LOOP
      v_status[v_row.i] := 'replayed';
      v_amounts[v_row.i] := v_row."amountUsd"::text;
      v_costs[v_row.i] := v_row."costUsd"::text;
      v_settled_at[v_row.i] := v_row."settledAt";
      v_late[v_row.i] := v_row."releasedAt" IS NOT NULL;
    END LOOP;
  END IF;

  RETURN jsonb_build_object('status', to_jsonb(v_status), 'amount', to_jsonb(v_amounts),
    'cost', to_jsonb(v_costs), 'settledAt', to_jsonb(v_settled_at), 'late', to_jsonb(v_late),
    'foldNow', to_jsonb(v_fold_now));
END
$$;

-- Reserves leases i = 1..n (parallel arrays) in arrival order; their budgets come as a flat list
-- of (lease index, limitId, periodKey), in lease order. p_skip marks, per lease, a request whose
-- carried settle named no lease of its endpoint: nothing of that request happens. Answers:
--   status:    per lease, 'granted' | 'existing' | 'refused' | 'skipped'
--   counters:  the batch's counters in lock order: ids, keys, limits, enforcements, spent
--   positions: per budget entry (aligned with p_budget_*), its counter's index in `counters`
--              (1-based; null for a limit deleted since the caller looked it up)
--   reserved:  per budget entry of a granted lease, the counter's reserved amount after the grant;
--              of a refused lease, at the entry that refused, the reserved amount then
--   existing:  per lease answered by its idempotency key, [leaseId, amountUsd, expiresAt]
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

-- The one statement SpendRepository sends per call: the settles (when there are any), then the
-- reserves (when there are any), with p_settle_of naming, per lease, the 1-based position of the
-- settle its request carried (null when none). Answers
-- {"settled": <settle answer or null>, "reserved": <reserve answer or null>}.
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

-- Folds the organization's settled leases into their counters and releases its expired ones (at
-- most 10,000 per call). Answers {"leases": <how many>, "alertIds": [...]}. A concurrent reconcile
-- of the same organization waits on a lease row the first one took and then skips it (its
-- openUntil is no longer due).
CREATE FUNCTION steward_spend_reconcile(p_org uuid, p_now timestamp)
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
    SET "spentUsd" = c."spentUsd" + v_spents[i],
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
