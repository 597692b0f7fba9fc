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

// What the runtime last applied to a governed agent (steward-agent's Claude Code record).
export const agentsSchema = z.object({
  agents: z
    .array(
      z.object({
        agent: z.enum(['claude-code']),
        access: z.enum(['policy', 'deny-all']),
        bundleVersion: z.number().int().min(0).nullable(),
        reason: z.string().max(500).nullable(),
        digest: z.string().max(100),
        writtenAt: z.iso.datetime({ offset: true }),
      }),
    )
    .max(10),
});
export type AgentsReport = z.infer<typeof agentsSchema>;

export const MAX_WAIT_SECONDS = 60;
