import type { Filter, LogExp, NotFilter } from 'scim2-parse-filter';
import { parseFilter, Tokens } from 'scim2-parse-filter/lib/src/parser';
import type { Token } from 'scim2-parse-filter/lib/src/parser';
import { MATCH_NONE } from '../directory/directory.types';
import type { CompareOp, DirectoryFilter } from '../directory/directory.types';
import { ScimError, ScimErrorCode } from './scim.errors';
import { resolvePath, resolveSubAttribute, UnknownAttributeError } from './scim.schemas';
import type { AttributeDef, ResourceSchema } from './scim.schemas';

// A SCIM filter (RFC 7644 section 3.4.2.2) parsed and resolved against a resource schema into the
// directory's query language; the directory decides what is filterable and turns it into SQL.

// The parser recurses per nesting level; long or deep inputs are refused before they reach it.
export const MAX_FILTER_LENGTH = 4096;
const MAX_FILTER_DEPTH = 32;

const invalid = (message: string) => new ScimError(ScimErrorCode.InvalidFilter, message);

// The library's tokenizer doubles every backslash in a quoted string before JSON-decoding it, so
// `\"`, `\\` and `\u0025` never mean what JSON says. This one keeps the literal as written (the
// parser JSON-decodes it); the token patterns are the library's, with `$` allowed in attribute
// paths (`manager.$ref`).
const TOKEN =
  /^(?:(\s+)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![-\w._:/)\s]))|("(?:[^"\\]|\\.|\n)*")|([[()]|]\.?)|(\w[-\w._:/%$]*))/;

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let rest = filter;
  let match: RegExpExecArray | null;
  while (rest.length && (match = TOKEN.exec(rest)) && match[0].length) {
    if (match[2]) tokens.push({ type: 'Number', literal: match[2] });
    else if (match[3]) tokens.push({ type: 'Quoted', literal: match[3] });
    else if (match[4]) tokens.push({ type: 'Bracket', literal: match[4] });
    // ABNF literals are case-insensitive: `True` is `true`.
    else if (match[5])
      tokens.push({
        type: 'Word',
        literal: /^(true|false|null)$/i.test(match[5]) ? match[5].toLowerCase() : match[5],
      });
    rest = rest.slice(match[0].length);
  }
  if (rest.length) throw invalid(`invalid filter: unexpected ${rest.slice(0, 40)}`);
  return tokens;
}

// `emails[type eq "work"].value eq "x"` names one email: the comparison after `].` moves inside
// the brackets (`emails[(type eq "work") and value eq "x"]`). The library would compare any
// email's value instead.
function bindSubAttributes(tokens: Token[]): Token[] {
  const out: Token[] = [];
  const open: number[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token.literal === '[') open.push(out.length);
    if (token.literal !== '].' && token.literal !== ']') {
      out.push(token);
      continue;
    }
    const start = open.pop();
    const [sub, op, value] = tokens.slice(index + 1, index + 4);
    if (token.literal === ']' || start === undefined || sub?.type !== 'Word' || !op) {
      out.push(token);
      continue;
    }
    const unary = op.literal.toLowerCase() === 'pr';
    if (!unary && !value) throw invalid('invalid filter: a comparison lacks its value');
    const inner = out.splice(start + 1);
    const word = (literal: string): Token => ({ type: 'Word', literal });
    const bracket = (literal: string): Token => ({ type: 'Bracket', literal });
    out.push(bracket('('), ...inner, bracket(')'), word('and'), sub, op);
    if (!unary) out.push(value);
    out.push(bracket(']'));
    index += unary ? 2 : 3;
  }
  return out;
}

// Deepest nesting of parentheses and brackets outside quoted strings.
function nesting(filter: string): number {
  let depth = 0;
  let deepest = 0;
  let quoted = false;
  for (let index = 0; index < filter.length; index++) {
    const char = filter[index];
    if (quoted) {
      if (char === '\\') index++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === ')' || char === ']') depth--;
  }
  return deepest;
}

export function parseScimFilter(filter: string): Filter {
  if (filter.length > MAX_FILTER_LENGTH)
    throw invalid(`a filter is at most ${MAX_FILTER_LENGTH} characters`);
  if (nesting(filter) > MAX_FILTER_DEPTH) throw invalid('the filter is nested too deeply');
  const tokens = new Tokens([...bindSubAttributes(tokenize(filter)), { type: 'EOT', literal: '' }]);
  try {
    const parsed = parseFilter(tokens);
    if (tokens.peek().type !== 'EOT') throw new Error(`unexpected ${tokens.peek().literal}`);
    return parsed;
  } catch (error) {
    // Parse errors are plain Errors; a pathological nesting overflows the stack (RangeError).
    throw invalid(
      error instanceof RangeError
        ? 'the filter is nested too deeply'
        : `invalid filter: ${(error as Error).message}`,
    );
  }
}

// What an attribute the schema does not define means: an error (a filter on one resource type),
// or no match (a search across resource types, where another type may define it).
type Unknown = 'refuse' | 'matchNone';

interface Context {
  schema: ResourceSchema;
  unknown: Unknown;
  // Inside `attr[...]`: the multi-valued attribute whose sub-attributes are named.
  within?: AttributeDef;
}

// The directory's name of an attribute path: `name.givenName`, `enterprise.manager.value`.
function fieldOf(context: Context, attrPath: string): string {
  if (context.within) return resolveSubAttribute(context.within, attrPath).name;
  const { extension, attribute, sub } = resolvePath(context.schema, attrPath);
  const base = extension ? `enterprise.${attribute.name}` : attribute.name;
  return sub ? `${base}.${sub.name}` : base;
}

function resolve(context: Context, node: Filter): DirectoryFilter {
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, filters: node.filters.map((part) => resolve(context, part)) };
    case 'not':
      return { op: 'not', filter: resolve(context, node.filter) };
    default:
      try {
        return resolveAttribute(context, node);
      } catch (error) {
        if (!(error instanceof UnknownAttributeError)) throw error;
        if (context.unknown === 'matchNone') return MATCH_NONE;
        throw invalid(error.message);
      }
  }
}

function resolveAttribute(
  context: Context,
  node: Exclude<Filter, LogExp | NotFilter>,
): DirectoryFilter {
  if (node.op === '[]') {
    if (context.within) throw invalid('value filters cannot nest');
    const { attribute, sub } = resolvePath(context.schema, node.attrPath);
    if (!attribute.multiValued || sub) throw invalid(`${node.attrPath} is not multi-valued`);
    return {
      op: 'some',
      field: fieldOf(context, node.attrPath),
      filter: resolve({ ...context, within: attribute }, node.valFilter),
    };
  }
  const field = fieldOf(context, node.attrPath);
  if (node.op === 'pr') return { op: 'pr', field };
  return { op: node.op as CompareOp, field, value: node.compValue };
}

// A filter on one resource type; an attribute it does not define is `invalidFilter`.
export function scimFilter(schema: ResourceSchema, filter: string): DirectoryFilter {
  return resolve({ schema, unknown: 'refuse' }, parseScimFilter(filter));
}

// The same filter for a search across resource types: per type, attributes it does not define
// match nothing. Undefined in every type is `invalidFilter`.
export function scimFilterAcross(schemas: ResourceSchema[], filter: string): DirectoryFilter[] {
  const parsed = parseScimFilter(filter);
  const strict = schemas.map((schema) => {
    try {
      return resolve({ schema, unknown: 'refuse' }, parsed);
    } catch (error) {
      return error as ScimError;
    }
  });
  if (strict.every((result) => result instanceof ScimError)) throw strict[0];
  return schemas.map((schema) => resolve({ schema, unknown: 'matchNone' }, parsed));
}
