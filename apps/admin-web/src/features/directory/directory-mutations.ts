import { graphql } from '../../lib/graphql';
import { useApiMutation } from '../../lib/mutation';

const CreatePersonMutation = graphql(`
  mutation CreateDirectoryPerson($input: NewPersonInput!) {
    createDirectoryPerson(input: $input) {
      id
    }
  }
`);

const UpdatePersonMutation = graphql(`
  mutation UpdateDirectoryPerson($id: ID!, $input: PersonChangeInput!) {
    updateDirectoryPerson(id: $id, input: $input) {
      id
    }
  }
`);

const DeletePersonMutation = graphql(`
  mutation DeleteDirectoryPerson($id: ID!) {
    deleteDirectoryPerson(id: $id)
  }
`);

const CreateGroupMutation = graphql(`
  mutation CreateDirectoryGroup($input: NewGroupInput!) {
    createDirectoryGroup(input: $input) {
      id
    }
  }
`);

const UpdateGroupMutation = graphql(`
  mutation UpdateDirectoryGroup($id: ID!, $input: GroupChangeInput!) {
    updateDirectoryGroup(id: $id, input: $input) {
      id
    }
  }
`);

const DeleteGroupMutation = graphql(`
  mutation DeleteDirectoryGroup($id: ID!) {
    deleteDirectoryGroup(id: $id)
  }
`);

// Every directory view (lists, pages, names, pickers) shows what these change.
const DIRECTORY = [['directory']] as const;

export const useCreatePerson = () =>
  useApiMutation(CreatePersonMutation, { invalidates: DIRECTORY, success: 'Person added' });
export const useUpdatePerson = () =>
  useApiMutation(UpdatePersonMutation, { invalidates: DIRECTORY, success: 'Person saved' });
export const useDeletePerson = () =>
  useApiMutation(DeletePersonMutation, { invalidates: DIRECTORY, success: 'Person deleted' });
export const useCreateGroup = () =>
  useApiMutation(CreateGroupMutation, { invalidates: DIRECTORY, success: 'Group added' });
export const useUpdateGroup = () =>
  useApiMutation(UpdateGroupMutation, { invalidates: DIRECTORY, success: 'Group saved' });
export const useDeleteGroup = () =>
  useApiMutation(DeleteGroupMutation, { invalidates: DIRECTORY, success: 'Group deleted' });
