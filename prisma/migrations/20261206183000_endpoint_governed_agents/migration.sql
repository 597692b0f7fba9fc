-- What the endpoint's runtime last applied to the agents it governs (Claude Code's managed
-- settings: access, bundle version, digest, when), and the agent versions its telemetry names.
ALTER TABLE "Endpoint" ADD COLUMN "governedAgents" JSONB NOT NULL DEFAULT '[]';
