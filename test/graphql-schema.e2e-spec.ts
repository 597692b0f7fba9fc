import { GraphQLSchemaHost } from '@nestjs/graphql';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { startTestApi, TestApi } from './support/api';

const SCHEMA_FILE = path.join(__dirname, '..', 'apps', 'admin-api', 'schema.graphql');

// The console's types are generated from the committed schema file; it must be the schema the
// code serves. `npm run graphql:schema` rewrites it after a resolver change.
describe('the committed GraphQL schema', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('is the schema the API serves', () => {
    const served = `${printSchema(lexicographicSortSchema(api.get(GraphQLSchemaHost).schema))}\n`;
    if (process.env.UPDATE_GRAPHQL_SCHEMA) fs.writeFileSync(SCHEMA_FILE, served);
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(served);
  });
});
