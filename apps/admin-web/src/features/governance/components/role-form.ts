import { createFormContext } from '@mantine/form';
import { z } from 'zod';
import type { Role, RoleInput } from '../graphql/roles';

export type Decision = 'allow' | 'ask' | 'deny';

export interface RoleFormValues {
  name: string;
  description: string;
  capabilities: string[];
  connectorRules: { connectorId: string; read: Decision; write: Decision }[];
  folderRoots: {
    pattern: string;
    access: 'read' | 'read_write';
    os: ('macos' | 'windows' | 'linux')[];
  }[];
}

export const roleSchema = z.object({
  name: z.string().trim().min(1, 'Give the role a name').max(100, 'At most 100 characters'),
  description: z.string().max(500, 'At most 500 characters'),
  folderRoots: z.array(
    z.object({ pattern: z.string().trim().min(1, 'Enter a folder, e.g. ~/Projects') }),
  ),
});

export const [RoleFormProvider, useRoleFormContext, useRoleForm] =
  createFormContext<RoleFormValues>();

export function roleToValues(role: Role | null): RoleFormValues {
  if (!role) {
    return {
      name: '',
      description: '',
      capabilities: ['agent'],
      connectorRules: [],
      folderRoots: [],
    };
  }
  return {
    name: role.name,
    description: role.description,
    capabilities: [...role.capabilities],
    connectorRules: role.connectorRules.map(({ connectorId, read, write }) => ({
      connectorId,
      read,
      write,
    })),
    folderRoots: role.folderRoots.map(({ pattern, access, os }) => ({
      pattern,
      access,
      os: [...os],
    })),
  };
}

// Tool overrides are kept as they are: the console edits the read/write defaults only.
export function valuesToInput(values: RoleFormValues, role: Role | null): RoleInput {
  return {
    name: values.name.trim(),
    description: values.description,
    capabilities: values.capabilities,
    connectorRules: values.connectorRules.map((rule) => ({
      ...rule,
      toolOverrides:
        role?.connectorRules
          .find((existing) => existing.connectorId === rule.connectorId)
          ?.toolOverrides.map(({ tool, decision }) => ({ tool, decision })) ?? [],
    })),
    folderRoots: values.folderRoots.map((root) => ({ ...root, pattern: root.pattern.trim() })),
  };
}
