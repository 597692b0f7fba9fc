import { Inject, Injectable } from '@nestjs/common';
import { classifyTool } from '@steward/policy';
import type { ToolAnnotations, ToolKind } from '@steward/policy';
import { CONFIG } from '../../config/config';
import type { Config } from '../../config/config';
import {
  catalogueHash,
  fetchCatalogue,
  parseUploadedCatalogue,
  toolFingerprint,
} from './connector-catalogue';
import { GovernanceRepository } from './governance.repository';
import type { ConnectorRecord } from './governance.repository';
import { GovernanceError, GovernanceErrorCode } from './governance.errors';
import type {
  CatalogueDrift,
  CatalogueTool,
  ConnectorWrite,
  GovernanceActor,
} from './governance.types';
import { connectorDefinition } from './governance.types';
import { GovernanceWrites } from './governance-writes';
import { isUuid } from '../../platform/database/uuid';

export type ToolStatus = 'approved' | 'changed' | 'new';

export interface ConnectorToolView {
  name: string;
  description: string;
  kind: ToolKind;
  kindOverride: ToolKind | null;
  readOnlyHint: boolean | null;
  destructiveHint: boolean | null;
  destructive: boolean;
  status: ToolStatus;
}

export interface ConnectorView extends ConnectorWrite {
  id: string;
  catalogueHash: string;
  approvedHash: string | null;
  approvedAt: Date | null;
  importedAt: Date | null;
  // The catalogue differs from the one last approved (tools added or annotations changed).
  drift: boolean;
  // The API may connect to the server to list its tools (see importFromServer).
  serverImport: boolean;
  tools: ConnectorToolView[];
}

function toolStatus(tool: ConnectorRecord['tools'][number]): ToolStatus {
  if (tool.approvedFingerprint === null) return 'new';
  return tool.approvedFingerprint === toolFingerprint(tool) ? 'approved' : 'changed';
}

export function connectorView(connector: ConnectorRecord, stdioImport: boolean): ConnectorView {
  const tools = connector.tools.map((tool): ConnectorToolView => {
    const annotations = tool.annotations as ToolAnnotations;
    const classified = classifyTool(annotations, tool.kindOverride);
    return {
      name: tool.name,
      description: tool.description,
      kind: classified.kind,
      kindOverride: tool.kindOverride,
      readOnlyHint: annotations.readOnlyHint ?? null,
      destructiveHint: annotations.destructiveHint ?? null,
      destructive: classified.destructive,
      status: toolStatus(tool),
    };
  });
  return {
    id: connector.id,
    ...connectorDefinition(connector),
    catalogueHash: catalogueHash(connector.tools),
    approvedHash: connector.approvedHash,
    approvedAt: connector.approvedAt,
    importedAt: connector.importedAt,
    drift: tools.some((tool) => tool.status !== 'approved'),
    serverImport: connector.transport !== 'stdio' || stdioImport,
    tools,
  };
}

// The organization's connector allow-list and tool catalogues: import (by connecting with the MCP
// SDK, or from an uploaded tools/list), classification overrides, and approval pinned by hash.
// A connector change can reach every user's tool table, so each announces 'all'.
@Injectable()
export class ConnectorsService {
  constructor(
    private readonly repository: GovernanceRepository,
    private readonly writes: GovernanceWrites,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async list(organizationId: string): Promise<ConnectorView[]> {
    return (await this.repository.listConnectors(organizationId)).map((connector) =>
      connectorView(connector, this.config.STEWARD_ALLOW_STDIO_IMPORT),
    );
  }

  async get(organizationId: string, id: string): Promise<ConnectorView> {
    return connectorView(
      await this.record(organizationId, id),
      this.config.STEWARD_ALLOW_STDIO_IMPORT,
    );
  }

  async create(organizationId: string, input: ConnectorWrite, actor: GovernanceActor) {
    const connector = validateConnector(input);
    const created = await this.writes.write(organizationId, 'all', async (tx) => {
      const row = await this.repository.createConnector(tx, organizationId, connector);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.created',
        'connector',
        row.id,
        {
          ...connector,
        },
      );
      return row;
    });
    return this.get(organizationId, created.id);
  }

  async update(organizationId: string, id: string, input: ConnectorWrite, actor: GovernanceActor) {
    await this.record(organizationId, id);
    const connector = validateConnector(input);
    await this.writes.write(organizationId, 'all', async (tx) => {
      await this.repository.updateConnector(tx, id, connector);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.updated',
        'connector',
        id,
        {
          ...connector,
        },
      );
    });
    return this.get(organizationId, id);
  }

  async delete(organizationId: string, id: string, actor: GovernanceActor): Promise<void> {
    const current = await this.record(organizationId, id);
    await this.writes.write(organizationId, 'all', async (tx) => {
      await this.repository.deleteConnector(tx, id);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.deleted',
        'connector',
        id,
        {
          name: current.name,
        },
      );
    });
  }

  // Connects to the server (stdio: runs its command on this host; HTTP: its URL) and lists tools.
  // A stdio import would run an admin-written command line on the control plane, with the API's
  // credentials, database and network reach: a console admin must not get that, so it is off
  // unless the operator opts in (STEWARD_ALLOW_STDIO_IMPORT). Stdio catalogues are uploaded as
  // JSON instead, captured where the server is meant to run. Likewise an HTTP import reaches only
  // public addresses unless the operator opts in (STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT): an
  // admin-entered URL must not make the API probe its own network or the cloud's metadata service.
  async importFromServer(organizationId: string, id: string, actor: GovernanceActor) {
    const current = await this.record(organizationId, id);
    if (current.transport === 'stdio' && !this.config.STEWARD_ALLOW_STDIO_IMPORT) {
      throw new GovernanceError(
        GovernanceErrorCode.Disabled,
        `${current.name} is a stdio connector: importing would run its command on the Steward server, which is off here (STEWARD_ALLOW_STDIO_IMPORT); upload its tools/list result as JSON instead`,
      );
    }
    const tools = await fetchCatalogue(current, {
      allowPrivateAddresses: this.config.STEWARD_ALLOW_PRIVATE_CONNECTOR_IMPORT,
    });
    return this.replaceCatalogue(organizationId, current, tools, 'server', actor);
  }

  async importUploaded(organizationId: string, id: string, json: string, actor: GovernanceActor) {
    const current = await this.record(organizationId, id);
    return this.replaceCatalogue(
      organizationId,
      current,
      parseUploadedCatalogue(json),
      'upload',
      actor,
    );
  }

  async setToolKind(
    organizationId: string,
    id: string,
    tool: string,
    kind: ToolKind | null,
    actor: GovernanceActor,
  ) {
    await this.record(organizationId, id);
    await this.writes.write(organizationId, 'all', async (tx) => {
      if (!(await this.repository.setToolKind(tx, id, tool, kind))) {
        throw new GovernanceError(GovernanceErrorCode.NotFound, `no tool ${tool}`);
      }
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.tool_classified',
        'connector',
        id,
        {
          tool,
          kindOverride: kind,
        },
      );
    });
    return this.get(organizationId, id);
  }

  // Approves the catalogue the admin reviewed: `expectedHash` must still be the current one, so a
  // re-import in between can't be approved unseen.
  async approve(organizationId: string, id: string, expectedHash: string, actor: GovernanceActor) {
    await this.writes.write(organizationId, 'all', async (tx) => {
      const current = await this.repository.findConnector(organizationId, id, tx);
      if (!current) throw new GovernanceError(GovernanceErrorCode.NotFound, `no connector ${id}`);
      const hash = catalogueHash(current.tools);
      if (hash !== expectedHash) {
        throw new GovernanceError(
          GovernanceErrorCode.Conflict,
          'the catalogue changed since you reviewed it; review it again',
        );
      }
      const fingerprints = new Map(current.tools.map((tool) => [tool.name, toolFingerprint(tool)]));
      await this.repository.approveCatalogue(tx, id, fingerprints, hash);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.approved',
        'connector',
        id,
        {
          catalogueHash: hash,
          tools: [...fingerprints.keys()],
        },
      );
    });
    return this.get(organizationId, id);
  }

  private async replaceCatalogue(
    organizationId: string,
    current: ConnectorRecord,
    tools: CatalogueTool[],
    source: 'server' | 'upload',
    actor: GovernanceActor,
  ): Promise<{ connector: ConnectorView; drift: CatalogueDrift }> {
    const before = new Map(current.tools.map((tool) => [tool.name, toolFingerprint(tool)]));
    const after = new Set(tools.map((tool) => tool.name));
    const drift: CatalogueDrift = {
      added: tools.filter((tool) => !before.has(tool.name)).map((tool) => tool.name),
      changed: tools
        .filter((tool) => before.has(tool.name) && before.get(tool.name) !== toolFingerprint(tool))
        .map((tool) => tool.name),
      removed: [...before.keys()].filter((name) => !after.has(name)),
    };
    await this.writes.write(organizationId, 'all', async (tx) => {
      await this.repository.replaceTools(tx, organizationId, current.id, tools);
      await this.writes.record(
        tx,
        organizationId,
        actor,
        'governance.connector.imported',
        'connector',
        current.id,
        {
          source,
          catalogueHash: catalogueHash(tools),
          ...drift,
        },
      );
    });
    return { connector: await this.get(organizationId, current.id), drift };
  }

  private async record(organizationId: string, id: string): Promise<ConnectorRecord> {
    const connector = isUuid(id) ? await this.repository.findConnector(organizationId, id) : null;
    if (!connector) throw new GovernanceError(GovernanceErrorCode.NotFound, `no connector ${id}`);
    return connector;
  }
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

function validateConnector(input: ConnectorWrite): ConnectorWrite {
  if (!NAME.test(input.name)) {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      'a connector name is 1-63 lower-case letters, digits, _ . -',
    );
  }
  if (!input.version.trim()) {
    throw new GovernanceError(GovernanceErrorCode.Invalid, 'pin a version');
  }
  if (input.transport === 'stdio') {
    if (!input.command?.trim()) {
      throw new GovernanceError(GovernanceErrorCode.Invalid, 'a stdio connector needs a command');
    }
    return { ...input, url: null };
  }
  let url: URL;
  try {
    url = new URL(input.url ?? '');
  } catch {
    throw new GovernanceError(
      GovernanceErrorCode.Invalid,
      'a streamable HTTP connector needs a URL',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GovernanceError(GovernanceErrorCode.Invalid, 'the URL must be http or https');
  }
  return { ...input, command: null, args: [], url: url.toString() };
}
