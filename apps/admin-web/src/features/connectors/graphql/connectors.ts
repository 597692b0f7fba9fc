import { graphql, type ResultOf, type VariablesOf } from '../../../lib/graphql';

export const ConnectorsQuery = graphql(`
  query Connectors {
    connectorList {
      id
      name
      transport
      command
      args
      url
      version
      catalogueHash
      approvedHash
      approvedAt
      importedAt
      drift
      serverImport
      tools {
        name
        description
        kind
        kindOverride
        readOnlyHint
        destructiveHint
        destructive
        status
      }
    }
  }
`);
export const CreateConnectorMutation = graphql(`
  mutation CreateConnector($input: ConnectorInput!) {
    createConnector(input: $input) {
      id
    }
  }
`);
export const DeleteConnectorMutation = graphql(`
  mutation DeleteConnector($id: ID!) {
    deleteConnector(id: $id)
  }
`);
// What an import changed in the catalogue, whether the admin pasted it or the server was asked.
const CatalogueChangeFields = graphql(`
  fragment CatalogueChangeFields on CatalogueImport @_unmask {
    added
    changed
    removed
  }
`);

export const UploadConnectorToolsMutation = graphql(
  `
    mutation UploadConnectorTools($id: ID!, $catalogue: String!) {
      uploadConnectorTools(id: $id, catalogue: $catalogue) {
        ...CatalogueChangeFields
      }
    }
  `,
  [CatalogueChangeFields],
);
export const ImportConnectorToolsMutation = graphql(
  `
    mutation ImportConnectorTools($id: ID!) {
      importConnectorTools(id: $id) {
        ...CatalogueChangeFields
      }
    }
  `,
  [CatalogueChangeFields],
);
export const ApproveConnectorCatalogueMutation = graphql(`
  mutation ApproveConnectorCatalogue($id: ID!, $catalogueHash: String!) {
    approveConnectorCatalogue(id: $id, catalogueHash: $catalogueHash) {
      id
    }
  }
`);
export const SetConnectorToolKindMutation = graphql(`
  mutation SetConnectorToolKind($id: ID!, $tool: String!, $kind: ToolKind) {
    setConnectorToolKind(id: $id, tool: $tool, kind: $kind) {
      id
    }
  }
`);

export type Connector = ResultOf<typeof ConnectorsQuery>['connectorList'][number];
export type ConnectorTool = Connector['tools'][number];
export type ConnectorInput = VariablesOf<typeof CreateConnectorMutation>['input'];
