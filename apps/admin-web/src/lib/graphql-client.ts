import type { TadaDocumentNode } from 'gql.tada';
import { print, type DocumentNode } from 'graphql';
import { csrfHeaders } from './csrf';

export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: readonly GraphQLErrorEntry[] = [],
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }

  hasCode(code: string): boolean {
    return this.errors.some((error) => error.extensions?.code === code);
  }
}

export function isUnauthenticated(error: unknown): boolean {
  return (
    error instanceof GraphQLRequestError &&
    (error.status === 401 || error.hasCode('UNAUTHENTICATED'))
  );
}

const printed = new WeakMap<object, string>();

function source(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

interface GraphQLResponse<TResult> {
  data?: TResult | null;
  errors?: GraphQLErrorEntry[];
}

// One POST per operation, cookie session plus CSRF header. Any `errors` entry fails the call:
// the console never renders partial data.
export async function request<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'include',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...csrfHeaders(),
    },
    body: JSON.stringify({ query: source(document), variables: variables ?? {} }),
  });

  let body: GraphQLResponse<TResult> | undefined;
  try {
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    body = undefined;
  }

  if (body?.errors?.length) {
    throw new GraphQLRequestError(body.errors[0].message, response.status, body.errors);
  }
  if (!response.ok || !body || body.data == null) {
    throw new GraphQLRequestError(
      `The API answered ${response.status} ${response.statusText}`.trim(),
      response.status,
    );
  }
  return body.data;
}
