import { z } from 'zod';

// USD travels as a decimal string with at most 6 decimals: exact, never a float.
const usdAmount = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,6})?$/, 'a USD amount as a decimal string, at most 6 decimals');

export const leaseSchema = z.object({
  amountUsd: usdAmount.refine((value) => Number(value) > 0, 'must be above zero'),
  model: z.string().trim().min(1).max(200).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

const tokens = z.number().int().min(0).max(1_000_000_000);

export const settleSchema = z.union([
  z.object({ costUsd: usdAmount }).strict(),
  z
    .object({
      inputTokens: tokens,
      outputTokens: tokens,
      model: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
]);
