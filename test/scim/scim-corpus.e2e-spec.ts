import { randomUUID } from 'node:crypto';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import entra from './corpus/entra.json';
import okta from './corpus/okta.json';
import { scimClient } from './scim-support';
import type { ScimClient } from './scim-support';

// The request sequences of Okta's and Entra's SCIM documentation (test/scim/corpus/*.json),
// replayed unchanged against the service, each in an organization of its own.

interface Step {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  expect?: Record<string, unknown>;
  // Attributes the response must not have.
  absent?: string[];
  // Values later steps name as {{variable}}: variable -> attribute of the response.
  save?: Record<string, string>;
}

interface Corpus {
  description: string;
  sources: string[];
  steps: Step[];
}

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(() => api.close());

function substitute<T>(value: T, variables: Map<string, string>): T {
  if (typeof value === 'string')
    return value.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
      if (name === 'random') return randomUUID();
      const found = variables.get(name);
      if (found === undefined) throw new Error(`no ${whole} saved before this step`);
      return found;
    }) as T;
  if (Array.isArray(value)) return value.map((item) => substitute(item, variables)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, variables)]),
    ) as T;
  return value;
}

// As an HTTP client sends a documented URL: spaces, quotes and brackets percent-encoded.
const encodePath = (path: string) => path.replace(/[ "[\]]/g, (char) => encodeURIComponent(char));

describe.each([
  ['Microsoft Entra ID', entra as Corpus],
  ['Okta', okta as Corpus],
])('SCIM corpus: %s', (name, corpus) => {
  let client: ScimClient;
  const variables = new Map<string, string>();

  beforeAll(async () => {
    client = await scimClient(api, `Corpus ${name}`);
  });

  it.each(corpus.steps.map((step) => [step.name, step] as const))('%s', async (_title, raw) => {
    const step = {
      ...raw,
      ...substitute({ path: raw.path, body: raw.body, expect: raw.expect }, variables),
    };
    const response = await client.request(
      step.method,
      encodePath(step.path),
      step.body,
      step.headers,
    );
    expect({ status: response.status, body: response.body }).toMatchObject({
      status: step.status,
      ...(step.expect ? { body: step.expect } : {}),
    });
    if (response.status >= 400)
      expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    for (const attribute of step.absent ?? []) expect(response.body).not.toHaveProperty(attribute);
    for (const [variable, attribute] of Object.entries(step.save ?? {}))
      variables.set(variable, String(response.body[attribute]));
  });
});
