// Audit actions in an admin's words: what happened, said of the object it happened to.
export const ACTION_WORDS: Record<string, string> = {
  'admin.role_changed': 'changed the admin role of',
  'admin.session_revoked': 'ended a console session',
  'admin.sign_in_failed': 'failed to sign in',
  'admin.signed_in': 'signed in',
  'admin.signed_out': 'signed out',
  'admin_role_mapping.removed': 'removed the admin role mapping of',
  'admin_role_mapping.set': 'mapped an IdP group to an admin role:',
  'agent.events.ingested': 'uploaded agent events from',
  'audit.export.requested': 'exported the audit log',
  'audit.retention.updated': 'changed audit retention',
  'bundle.published': 'published policy for',
  'bundle.renewed': 'renewed policy for',
  'credential.created': 'created the credential',
  'credential.revoked': 'revoked the credential',
  'directory.group.created': 'created group',
  'directory.group.deleted': 'deleted group',
  'directory.group.updated': 'changed group',
  'directory.user.created': 'created person',
  'directory.user.deleted': 'deleted person',
  'directory.user.updated': 'changed person',
  'endpoint.enrolled': 'enrolled endpoint',
  'endpoint.revoked': 'revoked endpoint',
  'governance.approvals.changed': 'changed plan approval rules',
  'governance.ceiling.added': 'added a forbidden place',
  'governance.ceiling.default_changed': 'changed a default forbidden place',
  'governance.ceiling.removed': 'removed a forbidden place',
  'governance.connector.approved': 'approved the tool catalogue of connector',
  'governance.connector.created': 'added connector',
  'governance.connector.deleted': 'removed connector',
  'governance.connector.imported': 'imported the tools of connector',
  'governance.connector.tool_classified': 'reclassified a tool of connector',
  'governance.connector.updated': 'changed connector',
  'governance.endpoint_spend.changed': 'changed endpoint spend settings',
  'governance.network.changed': 'changed the allowed web hosts',
  'governance.role.bound': 'bound role',
  'governance.role.created': 'created role',
  'governance.role.deleted': 'deleted role',
  'governance.role.unbound': 'unbound role',
  'governance.role.updated': 'changed role',
  'governance.spend_limit.created': 'set a spend limit for',
  'governance.spend_limit.deleted': 'removed the spend limit of',
  'governance.spend_limit.updated': 'changed the spend limit of',
  'organization.bootstrap_disabled': 'closed the first-run sign-in link',
  'organization.bootstrap_reopened': 'reopened the first-run sign-in link',
  'organization.created': 'created the organization',
  'organization.renamed': 'renamed the organization',
  'saml.connection_created': 'set up single sign-on',
  'saml.connection_updated': 'changed single sign-on',
  'signing_key.created': 'created a signing key',
  'signing_key.revoked': 'revoked a signing key',
  'signing_key.rotated': 'rotated the signing key',
  'spend.price.deleted': 'removed a model price',
  'spend.price.set': 'set a model price',
  'spend.threshold_reached': 'reached a spend alert threshold of',
  'spend.webhook.deleted': 'removed the spend alert webhook',
  'spend.webhook.set': 'set the spend alert webhook',
  'telemetry.collector.removed': 'stopped OpenTelemetry forwarding',
  'telemetry.collector.updated': 'changed OpenTelemetry forwarding',
};

export function actionWords(action: string): string {
  return ACTION_WORDS[action] ?? action.replaceAll('_', ' ').replaceAll('.', ' ');
}

// The action filter: kinds of change an admin looks for, each a prefix or an exact action.
export const ACTION_FILTERS = [
  { value: 'governance.role.*', label: 'Roles: created, changed, bound, deleted' },
  { value: 'governance.role.updated', label: 'Role changed' },
  { value: 'governance.role.bound', label: 'Role bound' },
  { value: 'governance.connector.*', label: 'Connectors' },
  { value: 'governance.spend_limit.*', label: 'Spend limits' },
  { value: 'directory.*', label: 'People and groups' },
  { value: 'admin.*', label: 'Admin sign-ins and sessions' },
  { value: 'credential.*', label: 'Tokens and keys' },
  { value: 'endpoint.*', label: 'Endpoints' },
  { value: 'bundle.*', label: 'Policy publishes' },
  { value: 'saml.*', label: 'Single sign-on' },
  { value: 'agent.*', label: 'Agent activity' },
];

export const ACTOR_KINDS: Record<string, string> = {
  admin: 'Admin',
  scim: 'Identity provider (SCIM)',
  system: 'Steward',
  operator: 'Operator (command line)',
  endpoint: 'Endpoint',
  'api-key': 'API key',
};

export const OBJECT_KINDS: Record<string, string> = {
  role: 'role',
  role_binding: 'role binding',
  connector: 'connector',
  user: 'person',
  group: 'group',
  spend_limit: 'spend limit',
  credential: 'credential',
  endpoint: 'endpoint',
  admin: 'admin',
  settings: 'settings',
  ceiling: 'forbidden place',
};

// A record's data as label/value rows; nested values stay JSON, cut to a line.
export function detailRows(data: string): { key: string; value: string }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [{ key: 'data', value: data }];
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return [{ key: 'data', value: JSON.stringify(parsed) }];
  }
  const { before, after, ...rest } = parsed as Record<string, unknown>;
  const rows = Object.entries(rest).map(([key, value]) => ({
    key: words(key),
    value: shown(value),
  }));
  if (isRecord(before) && isRecord(after)) {
    // A change: only what moved, as before → after.
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const [was, is] = [shown(before[key]), shown(after[key])];
      if (was !== is) rows.push({ key: words(key), value: `${was} → ${is}` });
    }
  } else {
    if (before !== undefined) rows.push({ key: 'before', value: shown(before) });
    if (after !== undefined) rows.push({ key: 'after', value: shown(after) });
  }
  return rows;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

const words = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function shown(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) {
    return value.join(', ') || '—';
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
