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

-- Hand-written: reserving, settling and releasing leases are each one statement (one round trip,
-- atomic), with the budget rows locked in one order (limitId, periodKey) everywhere, so concurrent
-- calls from any number of API replicas neither overspend a hard limit nor deadlock.

-- Reserves p_amount on every budget of the lease, or on none. Returns
-- {"status":"granted"|"existing"|"refused", "leaseId", "expiresAt", "budgets":[…]} — for a refusal
-- "budgets" holds only the hard budget that refused. The current amount and enforcement of each
-- limit are read here, not taken from the caller.
CREATE FUNCTION steward_spend_reserve(
  p_org uuid, p_user uuid, p_endpoint uuid, p_lease uuid, p_amount numeric,
  p_limit_ids uuid[], p_period_keys text[], p_now timestamp, p_expires timestamp,
  p_model text, p_idempotency_key text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_existing record;
  v_budget record;
  v_spent numeric;
  v_reserved numeric;
  v_done_ids uuid[] := '{}';
  v_done_keys text[] := '{}';
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

  FOR v_budget IN
    SELECT b.limit_id, b.period_key, l."amountUsd" AS amount, l.enforcement::text AS enforcement
    FROM unnest(p_limit_ids, p_period_keys) AS b(limit_id, period_key)
    JOIN "SpendLimit" l ON l.id = b.limit_id AND l."organizationId" = p_org
    ORDER BY b.limit_id, b.period_key
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
      -- Refused: give back what this call reserved so far (those rows are locked by us).
      UPDATE "SpendCounter" c SET "reservedUsd" = c."reservedUsd" - p_amount
      FROM unnest(v_done_ids, v_done_keys) AS d(limit_id, period_key)
      WHERE c."limitId" = d.limit_id AND c."periodKey" = d.period_key;
      SELECT c."spentUsd", c."reservedUsd" INTO v_spent, v_reserved FROM "SpendCounter" c
      WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key;
      RETURN jsonb_build_object('status', 'refused', 'budgets', jsonb_build_array(jsonb_build_object(
        'limitId', v_budget.limit_id, 'periodKey', v_budget.period_key,
        'enforcement', v_budget.enforcement, 'limitUsd', v_budget.amount::text,
        'spentUsd', coalesce(v_spent, 0)::text, 'reservedUsd', coalesce(v_reserved, 0)::text)));
    END IF;

    v_done_ids := v_done_ids || v_budget.limit_id;
    v_done_keys := v_done_keys || v_budget.period_key;
    v_budgets := v_budgets || jsonb_build_object(
      'limitId', v_budget.limit_id, 'periodKey', v_budget.period_key,
      'enforcement', v_budget.enforcement, 'limitUsd', v_budget.amount::text,
      'spentUsd', v_spent::text, 'reservedUsd', v_reserved::text);
  END LOOP;

  INSERT INTO "SpendLease" (id, "organizationId", "userId", "endpointId", "idempotencyKey", model,
    "amountUsd", "limitIds", "periodKeys", "createdAt", "expiresAt", "openUntil")
  VALUES (p_lease, p_org, p_user, p_endpoint, p_idempotency_key, p_model, p_amount, v_done_ids,
    v_done_keys, p_now, p_expires, p_expires);
  RETURN jsonb_build_object('status', 'granted', 'leaseId', p_lease, 'amountUsd', p_amount::text,
    'expiresAt', p_expires, 'budgets', v_budgets);
END
$$;

-- Settles a lease once: adds the cost to each budget's spent, gives back its reservation (unless an
-- expiry already did), and writes one SpendAlert row per threshold the spend reached. A settled
-- lease answers {"status":"replayed", …} with its first settlement.
CREATE FUNCTION steward_spend_settle(
  p_org uuid, p_endpoint uuid, p_lease uuid, p_cost numeric, p_input_tokens int,
  p_output_tokens int, p_now timestamp
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_lease record;
  v_budget record;
  v_late boolean;
  v_spent numeric;
  v_limit numeric;
  v_thresholds int[];
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

  FOR v_budget IN
    SELECT b.limit_id, b.period_key
    FROM unnest(v_lease."limitIds", v_lease."periodKeys") AS b(limit_id, period_key)
    ORDER BY b.limit_id, b.period_key
  LOOP
    UPDATE "SpendCounter" c
    SET "spentUsd" = c."spentUsd" + p_cost,
        "reservedUsd" = c."reservedUsd" - CASE WHEN v_late THEN 0 ELSE v_lease."amountUsd" END,
        "updatedAt" = p_now
    WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key
    RETURNING c."spentUsd", c."limitUsd" INTO v_spent, v_limit;

    SELECT "alertThresholds" INTO v_thresholds FROM "SpendLimit" WHERE id = v_budget.limit_id;
    IF v_limit > 0 AND v_thresholds IS NOT NULL THEN
      WITH inserted AS (
        INSERT INTO "SpendAlert" (id, "organizationId", "limitId", "periodKey", threshold,
          "spentUsd", "limitUsd", "createdAt")
        SELECT gen_random_uuid(), p_org, v_budget.limit_id, v_budget.period_key, t, v_spent,
          v_limit, p_now
        FROM unnest(v_thresholds) AS t
        WHERE v_spent * 100 >= t * v_limit
        ON CONFLICT ("limitId", "periodKey", threshold) DO NOTHING
        RETURNING id
      )
      SELECT coalesce(array_agg(id), '{}') INTO v_new_ids FROM inserted;
      v_alert_ids := v_alert_ids || v_new_ids;
    END IF;
  END LOOP;

  UPDATE "SpendLease"
  SET "settledAt" = p_now, "costUsd" = p_cost, "inputTokens" = p_input_tokens,
      "outputTokens" = p_output_tokens, "openUntil" = NULL
  WHERE id = p_lease;
  RETURN jsonb_build_object('status', 'settled', 'leaseId', v_lease.id,
    'amountUsd', v_lease."amountUsd"::text, 'costUsd', p_cost::text, 'settledAt', p_now,
    'late', v_late, 'alertIds', to_jsonb(v_alert_ids));
END
$$;

-- Gives back the reservations of the organization's expired, unsettled leases; returns how many.
-- Leases being settled right now are skipped (SKIP LOCKED); budget rows are locked in the same
-- order as above.
CREATE FUNCTION steward_spend_release_expired(p_org uuid, p_now timestamp)
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
  FOR v_budget IN
    SELECT b.limit_id, b.period_key, sum(e."amountUsd") AS total
    FROM "SpendLease" e, unnest(e."limitIds", e."periodKeys") AS b(limit_id, period_key)
    WHERE e.id = ANY(v_ids)
    GROUP BY b.limit_id, b.period_key
    ORDER BY b.limit_id, b.period_key
  LOOP
    UPDATE "SpendCounter" c SET "reservedUsd" = c."reservedUsd" - v_budget.total
    WHERE c."limitId" = v_budget.limit_id AND c."periodKey" = v_budget.period_key;
  END LOOP;
  UPDATE "SpendLease" SET "releasedAt" = p_now, "openUntil" = NULL WHERE id = ANY(v_ids);
  RETURN cardinality(v_ids);
END
$$;
