-- DropForeignKey
ALTER TABLE "AgentEvent" DROP CONSTRAINT "AgentEvent_organizationId_fkey";

-- Hand-written: without the foreign key, an organization's events go with it through this trigger.
CREATE FUNCTION steward_delete_organization_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "AgentEvent" WHERE "organizationId" = OLD.id;
  RETURN OLD;
END
$$;

CREATE TRIGGER "Organization_delete_agent_events"
  AFTER DELETE ON "Organization"
  FOR EACH ROW EXECUTE FUNCTION steward_delete_organization_events();
