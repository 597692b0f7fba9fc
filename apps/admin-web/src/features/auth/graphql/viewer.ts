import { graphql, type ResultOf } from '../../../lib/graphql';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      id
      email
      name
      role
      organization {
        id
        slug
        name
      }
    }
  }
`);

export type Viewer = NonNullable<ResultOf<typeof ViewerQuery>['viewer']>;
