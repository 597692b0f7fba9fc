import { z } from 'zod';

// USD travels as a decimal string with at most 6 decimals: exact, never a float.
const usdAmount = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,6})?$/, 'a USD amount as a decimal string, at most 6 decimals');

const tokens = z.number().int().min(0).max(1_000_000_000);

const byCost = z.object({ costUsd: usdAmount });
const byTokens = z.object({
  inputTokens: tokens,
  outputTokens: tokens,
  model: z.string().trim().min(1).max(200).optional(),
});

export const settleSchema = z.union([byCost.strict(), byTokens.strict()]);

// The settlement of the endpoint's previous lease, carried by a lease request.
const carriedSettleSchema = z.union([
  byCost.extend({ leaseId: z.uuid() }).strict(),
  byTokens.extend({ leaseId: z.uuid() }).strict(),
]);

export const leaseSchema = z.object({
  amountUsd: usdAmount.refine((value) => Number(value) > 0, 'must be above zero'),
  model: z.string().trim().min(1).max(200).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  settle: carriedSettleSchema.optional(),
});
