import { CAPABILITIES, type Capability } from '../../../../../libs/policy/src/capabilities';

// The runtime's fixed catalogue, from the policy library the API validates against.
export { CAPABILITIES, type Capability };

export const CAPABILITY_LABELS: Record<Capability, { label: string; description: string }> = {
  agent: { label: 'Agent', description: 'Use the agent at all; nothing else works without it' },
  shell: { label: 'Shell', description: 'Run commands in the sandboxed shell' },
  web: { label: 'Web access', description: 'Fetch and browse web pages' },
  computer_use: { label: 'Computer use', description: 'Control the screen, mouse and keyboard' },
  scheduled_tasks: { label: 'Scheduled tasks', description: 'Run tasks on a schedule' },
  skills: { label: 'Skills', description: 'Load and run skills' },
  connectors: { label: 'Connectors', description: 'Call MCP connectors (each tool by rule)' },
  auto_approve_plans: {
    label: 'Auto-approve plans',
    description: 'Plans run without the person’s approval (where allowed)',
  },
  mobile_dispatch: { label: 'Mobile dispatch', description: 'Send tasks from a phone' },
};
