import { createEvent, EventBody, EventSubject, AgentEvent } from '@steward/telemetry';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import type { TestApi } from '../support/api';

export interface EnrolledEndpoint {
  userId: string;
  endpointId: string;
  secret: string;
  subject(sessionId?: string): EventSubject;
}

export interface TelemetryFixture {
  organizationId: string;
  // A directory user with an enrolled endpoint, as enrolment (modules/endpoints) leaves them.
  enrol(userName: string): Promise<EnrolledEndpoint>;
}

export async function telemetryFixture(api: TestApi, name: string): Promise<TelemetryFixture> {
  const organization = await api.get(OrganizationsService).create(name, { type: 'operator' });
  const organizationId = organization.id;
  return {
    organizationId,
    async enrol(userName) {
      const user = await api.prisma.directoryUser.create({
        data: { organizationId, userName, userNameLower: userName.toLowerCase() },
      });
      const credential = await api
        .get(CredentialsService)
        .issue(organizationId, 'endpoint', { actor: { type: 'operator', id: 'test' } });
      const endpoint = await api.prisma.endpoint.create({
        data: {
          organizationId,
          userId: user.id,
          credentialId: credential.id,
          deviceName: `${userName}-laptop`,
          os: 'darwin',
          runtimeVersion: '0.1.0',
        },
      });
      return {
        userId: user.id,
        endpointId: endpoint.id,
        secret: credential.secret,
        subject: (sessionId = `session-${userName}`) => ({
          organizationId,
          userId: user.id,
          endpointId: endpoint.id,
          sessionId,
        }),
      };
    },
  };
}

// A typical session: start, auto-approved plan, two tool calls, file read and write, one model
// request, end.
export function sessionEvents(subject: EventSubject, at: Date, costUsd = '0.004215'): AgentEvent[] {
  const bodies: EventBody[] = [
    {
      type: 'session.started',
      task: 'summarise the Q3 report in /Users/alice/Reports',
      folders: [{ path: '/Users/alice/Reports', access: 'write' }],
      model: 'claude-sonnet-4-5',
      bundleVersion: 3,
    },
    {
      type: 'plan.approved',
      source: 'auto',
      approvedBy: 'rule:auto-approve',
      plan: 'read, then write',
    },
    {
      type: 'tool.called',
      tool: 'github/search_issues',
      connector: 'github',
      mcpTool: 'search_issues',
      access: 'read',
      decision: 'allow',
      rule: 'role:engineers connector:github read:allow',
      outcome: 'ok',
      durationMs: 120,
      parameters: '{"query":"is:open label:bug"}',
    },
    {
      type: 'tool.called',
      tool: 'shell',
      access: 'write',
      decision: 'deny',
      rule: 'capability:shell denied',
      outcome: 'refused',
      durationMs: 0,
      parameters: 'rm -rf /tmp/x',
    },
    { type: 'file.read', path: '/Users/alice/Reports/q3.pdf', bytes: 1024 },
    {
      type: 'file.modified',
      path: '/Users/alice/Reports/summary.md',
      change: 'created',
      bytes: 200,
    },
    {
      type: 'model.requested',
      model: 'claude-sonnet-4-5',
      inputTokens: 1200,
      outputTokens: 300,
      costUsd,
    },
    { type: 'session.ended', outcome: 'completed', toolCalls: 2, costUsd },
  ];
  return bodies.map((body, i) => createEvent(subject, body, new Date(at.getTime() + i * 1000)));
}

export async function upload(
  api: TestApi,
  secret: string,
  events: unknown[],
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api.url}/api/v1/endpoints/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
