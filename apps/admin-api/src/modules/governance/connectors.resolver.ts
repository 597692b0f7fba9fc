import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AdminPrincipal } from '../auth/admin-principal';
import { CurrentAdmin, READ_ROLES, RequireAdmin, WRITE_ROLES } from '../auth/admin-auth.guard';
import { ConnectorsService } from './connectors.service';
import { GovernanceErrorFilter } from './governance.errors';
import { CatalogueImport, Connector, ConnectorInput, ToolKindValue } from './governance.graphql';
import { actorOf } from './governance.types';

// The connector allow-list and tool catalogues. Same roles as the rest of governance.
@Resolver(() => Connector)
@UseFilters(GovernanceErrorFilter)
export class ConnectorsResolver {
  constructor(private readonly connectors: ConnectorsService) {}

  @Query(() => [Connector])
  @RequireAdmin(...READ_ROLES)
  connectorList(@CurrentAdmin() admin: AdminPrincipal): Promise<Connector[]> {
    return this.connectors.list(admin.organizationId) as Promise<Connector[]>;
  }

  @Query(() => Connector)
  @RequireAdmin(...READ_ROLES)
  connector(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<Connector> {
    return this.connectors.get(admin.organizationId, id) as Promise<Connector>;
  }

  @Mutation(() => Connector)
  @RequireAdmin(...WRITE_ROLES)
  createConnector(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('input') input: ConnectorInput,
  ): Promise<Connector> {
    return this.connectors.create(
      admin.organizationId,
      input,
      actorOf(admin),
    ) as Promise<Connector>;
  }

  @Mutation(() => Connector)
  @RequireAdmin(...WRITE_ROLES)
  updateConnector(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: ConnectorInput,
  ): Promise<Connector> {
    return this.connectors.update(
      admin.organizationId,
      id,
      input,
      actorOf(admin),
    ) as Promise<Connector>;
  }

  @Mutation(() => Boolean)
  @RequireAdmin(...WRITE_ROLES)
  async deleteConnector(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await this.connectors.delete(admin.organizationId, id, actorOf(admin));
    return true;
  }

  @Mutation(() => CatalogueImport, {
    description: 'Connects to the server with the MCP SDK and imports its tools/list.',
  })
  @RequireAdmin(...WRITE_ROLES)
  async importConnectorTools(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<CatalogueImport> {
    const { connector, drift } = await this.connectors.importFromServer(
      admin.organizationId,
      id,
      actorOf(admin),
    );
    return { connector: connector as Connector, ...drift };
  }

  @Mutation(() => CatalogueImport, {
    description: 'Imports an uploaded tools/list result (JSON: {"tools": [...]} or [...]).',
  })
  @RequireAdmin(...WRITE_ROLES)
  async uploadConnectorTools(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('catalogue') catalogue: string,
  ): Promise<CatalogueImport> {
    const { connector, drift } = await this.connectors.importUploaded(
      admin.organizationId,
      id,
      catalogue,
      actorOf(admin),
    );
    return { connector: connector as Connector, ...drift };
  }

  @Mutation(() => Connector, {
    description: 'Overrides a tool’s read/write class (null: annotations).',
  })
  @RequireAdmin(...WRITE_ROLES)
  setConnectorToolKind(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('tool') tool: string,
    @Args('kind', { type: () => ToolKindValue, nullable: true }) kind: ToolKindValue | null,
  ): Promise<Connector> {
    return this.connectors.setToolKind(
      admin.organizationId,
      id,
      tool,
      kind ?? null,
      actorOf(admin),
    ) as Promise<Connector>;
  }

  @Mutation(() => Connector, { description: 'Approves the catalogue with this hash.' })
  @RequireAdmin(...WRITE_ROLES)
  approveConnectorCatalogue(
    @CurrentAdmin() admin: AdminPrincipal,
    @Args('id', { type: () => ID }) id: string,
    @Args('catalogueHash') catalogueHash: string,
  ): Promise<Connector> {
    return this.connectors.approve(
      admin.organizationId,
      id,
      catalogueHash,
      actorOf(admin),
    ) as Promise<Connector>;
  }
}
