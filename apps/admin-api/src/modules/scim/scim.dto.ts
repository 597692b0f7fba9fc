import { z } from 'zod';
import { ScimError, ScimErrorCode } from './scim.errors';
import type { PatchOperation } from './scim.patch';
import type { Projection } from './scim.resource';

// Operations in one PATCH; a group's thousands of members travel inside one operation's value.
export const MAX_PATCH_OPERATIONS = 1000;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

const patchRequest = z.object({
  schemas: z.array(z.string()).optional(),
  Operations: z
    .array(
      z.object({
        op: z.string(),
        path: z.string().min(1).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1),
});

const attributeList = z.union([z.array(z.string()), z.string()]).optional();

const searchRequest = z.object({
  schemas: z.array(z.string()).optional(),
  filter: z.string().optional(),
  startIndex: z.number().int().optional(),
  count: z.number().int().optional(),
  attributes: attributeList,
  excludedAttributes: attributeList,
  sortBy: z.string().optional(),
  sortOrder: z.string().optional(),
});

export interface ListRequest extends Projection {
  filter?: string;
  startIndex: number;
  count: number;
}

function invalidSyntax(error: z.ZodError): ScimError {
  const issue = error.issues[0];
  return new ScimError(
    ScimErrorCode.InvalidSyntax,
    `${issue.path.join('.') || 'body'}: ${issue.message}`,
  );
}

export function parsePatch(body: unknown): PatchOperation[] {
  const parsed = patchRequest.safeParse(body);
  if (!parsed.success) throw invalidSyntax(parsed.error);
  if (parsed.data.Operations.length > MAX_PATCH_OPERATIONS) {
    throw new ScimError(
      ScimErrorCode.TooMany,
      `a PATCH has at most ${MAX_PATCH_OPERATIONS} operations`,
    );
  }
  return parsed.data.Operations;
}

function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : value.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

// startIndex is 1-based and below 1 means 1; count is clamped to [0, MAX_PAGE_SIZE] (RFC 7644
// section 3.4.2.4).
function page(startIndex: number | undefined, count: number | undefined) {
  return {
    startIndex: Math.max(1, startIndex ?? 1),
    count: Math.min(MAX_PAGE_SIZE, Math.max(0, count ?? DEFAULT_PAGE_SIZE)),
  };
}

function integer(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^-?\d{1,9}$/.test(value)) {
    throw new ScimError(ScimErrorCode.InvalidValue, `${name} must be an integer`);
  }
  return Number(value);
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new ScimError(ScimErrorCode.InvalidValue, `${name} is given once`);
  return value;
}

export function parseListQuery(query: Record<string, unknown>): ListRequest {
  return {
    filter: optionalString('filter', query.filter),
    ...page(integer('startIndex', query.startIndex), integer('count', query.count)),
    attributes: list(optionalString('attributes', query.attributes)),
    excludedAttributes: list(optionalString('excludedAttributes', query.excludedAttributes)),
  };
}

export function parseProjection(query: Record<string, unknown>): Projection {
  return {
    attributes: list(optionalString('attributes', query.attributes)),
    excludedAttributes: list(optionalString('excludedAttributes', query.excludedAttributes)),
  };
}

export function parseSearch(body: unknown): ListRequest {
  const parsed = searchRequest.safeParse(body);
  if (!parsed.success) throw invalidSyntax(parsed.error);
  const { filter, startIndex, count, attributes, excludedAttributes } = parsed.data;
  return {
    filter,
    ...page(startIndex, count),
    attributes: list(attributes),
    excludedAttributes: list(excludedAttributes),
  };
}

// If-Match carries a version ETag (`W/"3"`); `*` matches any version.
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(Array.isArray(header) ? header[0] : header);
  // An ETag this service never issued can match no version.
  return match ? Number(match[1]) : -1;
}
