import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  ApproveConnectorCatalogueMutation,
  ConnectorsQuery,
  CreateConnectorMutation,
  DeleteConnectorMutation,
  ImportConnectorToolsMutation,
  SetConnectorToolKindMutation,
  UploadConnectorToolsMutation,
} from '../graphql/connectors';

export const connectorsQueryOptions = queryOptions({
  queryKey: queryKeys.connectors,
  queryFn: async () => (await request(ConnectorsQuery)).connectorList,
});

export function useConnectors() {
  return useSuspenseQuery(connectorsQueryOptions).data;
}

// Connector changes alter roles' connector rules and republish bundles.
const CONNECTOR_CHANGES = [queryKeys.connectors, queryKeys.roles, queryKeys.bundlePublishes];

export function useCreateConnector() {
  return useApiMutation(CreateConnectorMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Connector added to the allow-list',
  });
}

export function useDeleteConnector() {
  return useApiMutation(DeleteConnectorMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Connector removed',
  });
}

export function useUploadConnectorTools() {
  return useApiMutation(UploadConnectorToolsMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Tool catalogue imported',
  });
}

export function useImportConnectorTools() {
  return useApiMutation(ImportConnectorToolsMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Tool catalogue imported from the server',
  });
}

export function useApproveConnectorCatalogue() {
  return useApiMutation(ApproveConnectorCatalogueMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Catalogue approved',
  });
}

export function useSetConnectorToolKind() {
  return useApiMutation(SetConnectorToolKindMutation, {
    invalidates: CONNECTOR_CHANGES,
    success: 'Tool classification saved',
  });
}
