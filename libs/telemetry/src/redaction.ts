import { createHmac } from 'node:crypto';
import type { AgentEvent } from './events';

// What the organization's bundle says to do with sensitive text before an event leaves the
// endpoint: keep it, replace it with a keyed hash (equal inputs stay linkable within the
// organization, yet can't be reversed by guessing without the key), or drop it.
export type RedactionMode = 'keep' | 'hash' | 'drop';

export interface RedactionRules {
  /** Task and plan text: what the person asked the agent. */
  prompts: RedactionMode;
  /** Tool parameters: shell command lines, MCP arguments. */
  commands: RedactionMode;
  /** File and folder paths. */
  paths: RedactionMode;
}

export const KEEP_ALL: RedactionRules = { prompts: 'keep', commands: 'keep', paths: 'keep' };

export const REDACTED = '[redacted]';

export function redactText(value: string, mode: RedactionMode, key: string): string {
  if (mode === 'keep') return value;
  if (mode === 'drop') return REDACTED;
  return `hmac-sha256:${createHmac('sha256', key).update(value).digest('hex')}`;
}

/** Returns a copy of the event with prompts, commands and paths treated per the rules. */
export function redactEvent(event: AgentEvent, rules: RedactionRules, key: string): AgentEvent {
  const prompt = (v: string) => redactText(v, rules.prompts, key);
  const command = (v: string) => redactText(v, rules.commands, key);
  const path = (v: string) => redactText(v, rules.paths, key);
  switch (event.type) {
    case 'session.started':
      return {
        ...event,
        task: prompt(event.task),
        folders: event.folders.map((f) => ({ ...f, path: path(f.path) })),
      };
    case 'plan.approved':
      return { ...event, plan: prompt(event.plan) };
    case 'tool.called':
    case 'tool.completed':
      // Error messages quote the call's arguments (paths, command lines), so they follow them.
      return {
        ...event,
        ...(event.parameters === undefined ? {} : { parameters: command(event.parameters) }),
        ...(event.error === undefined ? {} : { error: command(event.error) }),
      };
    case 'session.ended':
      // A refusal reason names the folder that was refused.
      return event.reason === undefined ? event : { ...event, reason: path(event.reason) };
    case 'file.read':
      return { ...event, path: path(event.path) };
    case 'file.modified':
      return {
        ...event,
        path: path(event.path),
        ...(event.from === undefined ? {} : { from: path(event.from) }),
      };
    case 'policy.violation': {
      const pathLike = event.kind === 'path' || event.kind === 'folder_grant';
      return {
        ...event,
        target: pathLike ? path(event.target) : event.target,
        ...(event.detail === undefined ? {} : { detail: command(event.detail) }),
      };
    }
    case 'prompt.submitted':
      return event.prompt === undefined ? event : { ...event, prompt: prompt(event.prompt) };
    case 'model.failed':
      return { ...event, error: command(event.error) };
    case 'agent.event':
      // Nothing says what a generic attribute holds: its text is treated like a command line.
      return {
        ...event,
        attributes: Object.fromEntries(
          Object.entries(event.attributes).map(([name, value]) => [
            name,
            typeof value === 'string' ? command(value) : value,
          ]),
        ),
      };
    case 'skill.used':
    case 'model.requested':
      return event;
  }
}
