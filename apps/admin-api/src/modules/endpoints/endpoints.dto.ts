import { z } from 'zod';

export const enrolmentSchema = z.object({
  user: z.string().trim().min(1).max(300),
  deviceName: z.string().trim().min(1).max(200),
  os: z.enum(['macos', 'windows', 'linux']),
  runtimeVersion: z.string().trim().min(1).max(50),
});

export const statusSchema = z.object({
  bundleVersion: z.number().int().min(0).nullable(),
  verified: z.boolean(),
  reason: z.string().max(50).optional(),
  trustSetVersion: z.number().int().min(0).nullable().optional(),
  runtimeVersion: z.string().trim().min(1).max(50).optional(),
  errors: z
    .array(z.object({ code: z.string().max(100), message: z.string().max(2000) }))
    .max(20)
    .default([]),
});

export const MAX_WAIT_SECONDS = 60;
