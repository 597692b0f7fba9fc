import {
  All,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Caller, ScimAuthGuard } from './scim-auth.guard';
import { SCIM_CONTENT_TYPE, ScimExceptionFilter } from './scim-exception.filter';
import { resourceTypes, schemas, serviceProviderConfig } from './scim.discovery';
import { parseIfMatch, parseListQuery, parsePatch, parseProjection, parseSearch } from './scim.dto';
import type { ListRequest } from './scim.dto';
import { ScimError, ScimErrorCode } from './scim.errors';
import { ScimService } from './scim.service';
import type { ListResponse, ScimCaller, Versioned } from './scim.service';
import type { PatchOperation } from './scim.patch';
import type { Projection } from './scim.resource';

type Query = Record<string, unknown>;

function scim<T>(reply: FastifyReply, body: T, status = 200): T {
  void reply.status(status).type(SCIM_CONTENT_TYPE);
  return body;
}

// A GET whose If-None-Match names the current version (or `*`) gets 304 and no body (RFC 7644
// 3.14), so an IdP re-reading unchanged resources transfers nothing.
function unchanged(ifNoneMatch: string | undefined, result: Versioned): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag === result.version || `W/${tag}` === result.version);
}

function read(reply: FastifyReply, result: Versioned, ifNoneMatch: string | undefined) {
  if (!unchanged(ifNoneMatch, result)) return resource(reply, result);
  void reply.status(304).header('etag', result.version);
  return undefined;
}

function resource(reply: FastifyReply, result: Versioned, status = 200) {
  void reply.header('etag', result.version);
  if (status === 201)
    void reply.header('location', (result.resource.meta as { location: string }).location);
  return scim(reply, result.resource, status);
}

// What the two resource endpoints do, each over its own kind of resource.
interface ScimResourceOperations {
  list(caller: ScimCaller, request: ListRequest): Promise<ListResponse>;
  get(caller: ScimCaller, id: string, projection: Projection): Promise<Versioned>;
  create(caller: ScimCaller, body: unknown): Promise<Versioned>;
  replace(caller: ScimCaller, id: string, body: unknown, ifVersion?: number): Promise<Versioned>;
  patch(
    caller: ScimCaller,
    id: string,
    operations: PatchOperation[],
    ifVersion?: number,
  ): Promise<Versioned>;
  remove(caller: ScimCaller, id: string, ifVersion?: number): Promise<void>;
}

// A query (RFC 7644 section 3.4.2): by GET with query parameters, or by POST to `.search` with the
// same request as a body.
abstract class ScimQueryController {
  protected abstract query(caller: ScimCaller, request: ListRequest): Promise<ListResponse>;

  @Get()
  async list(
    @Caller() caller: ScimCaller,
    @Query() query: Query,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.query(caller, parseListQuery(query)));
  }

  @Post('.search')
  @HttpCode(200)
  async search(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.query(caller, parseSearch(body)));
  }
}

// /Users and /Groups speak the same protocol (RFC 7644 section 3): the routes are defined once here
// and each resource type's controller names its path and its operations.
abstract class ScimResourceController extends ScimQueryController {
  protected abstract readonly operations: ScimResourceOperations;

  protected query(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    return this.operations.list(caller, request);
  }

  @Get(':id')
  async get(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Query() query: Query,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return read(reply, await this.operations.get(caller, id, parseProjection(query)), ifNoneMatch);
  }

  @Post()
  async create(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(reply, await this.operations.create(caller, body), 201);
  }

  @Put(':id')
  async replace(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(reply, await this.operations.replace(caller, id, body, parseIfMatch(ifMatch)));
  }

  @Patch(':id')
  async patch(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(
      reply,
      await this.operations.patch(caller, id, parsePatch(body), parseIfMatch(ifMatch)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.operations.remove(caller, id, parseIfMatch(ifMatch));
  }
}

@Controller('scim/v2/Users')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimUsersController extends ScimResourceController {
  protected readonly operations: ScimResourceOperations;

  constructor(service: ScimService) {
    super();
    this.operations = {
      list: (caller, request) => service.listUsers(caller, request),
      get: (caller, id, projection) => service.getUser(caller, id, projection),
      create: (caller, body) => service.createUser(caller, body),
      replace: (caller, id, body, ifVersion) => service.replaceUser(caller, id, body, ifVersion),
      patch: (caller, id, patch, ifVersion) => service.patchUser(caller, id, patch, ifVersion),
      remove: (caller, id, ifVersion) => service.delete(caller, { type: 'user', id }, ifVersion),
    };
  }
}

@Controller('scim/v2/Groups')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimGroupsController extends ScimResourceController {
  protected readonly operations: ScimResourceOperations;

  constructor(service: ScimService) {
    super();
    this.operations = {
      list: (caller, request) => service.listGroups(caller, request),
      get: (caller, id, projection) => service.getGroup(caller, id, projection),
      create: (caller, body) => service.createGroup(caller, body),
      replace: (caller, id, body, ifVersion) => service.replaceGroup(caller, id, body, ifVersion),
      patch: (caller, id, patch, ifVersion) => service.patchGroup(caller, id, patch, ifVersion),
      remove: (caller, id, ifVersion) => service.delete(caller, { type: 'group', id }, ifVersion),
    };
  }
}

// Discovery needs a token too: it tells a caller nothing it could use without one, and IdPs send
// theirs anyway.
@Controller('scim/v2')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimDiscoveryController {
  constructor(private readonly scimService: ScimService) {}

  @Get('ServiceProviderConfig')
  serviceProviderConfig(@Res({ passthrough: true }) reply: FastifyReply) {
    return scim(reply, serviceProviderConfig(this.scimService.baseUrl));
  }

  @Get('ResourceTypes')
  resourceTypes(@Res({ passthrough: true }) reply: FastifyReply) {
    const types = resourceTypes(this.scimService.baseUrl);
    return scim(reply, listOf(types));
  }

  @Get('ResourceTypes/:id')
  resourceType(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const type = resourceTypes(this.scimService.baseUrl).find((candidate) => candidate.id === id);
    if (!type) throw new ScimError(ScimErrorCode.NotFound, `no resource type ${id}`);
    return scim(reply, type);
  }

  @Get('Schemas')
  schemas(@Res({ passthrough: true }) reply: FastifyReply) {
    return scim(reply, listOf(schemas(this.scimService.baseUrl)));
  }

  @Get('Schemas/:id')
  schema(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const schema = schemas(this.scimService.baseUrl).find(
      (candidate) => candidate.id.toLowerCase() === id.toLowerCase(),
    );
    if (!schema) throw new ScimError(ScimErrorCode.NotFound, `no schema ${id}`);
    return scim(reply, schema);
  }
}

// A query of every resource type from the server root (RFC 7644 section 3.4.2.1).
@Controller('scim/v2')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimRootQueryController extends ScimQueryController {
  constructor(private readonly scimService: ScimService) {
    super();
  }

  protected query(caller: ScimCaller, request: ListRequest): Promise<ListResponse> {
    return this.scimService.searchAll(caller, request);
  }
}

// The endpoints under /scim/v2 and the methods each answers (by first matching pattern).
const ENDPOINTS: [RegExp, string[]][] = [
  [/^\/?$/, ['GET', 'HEAD']],
  [/^\/\.search$/, ['POST']],
  [/^\/(Users|Groups)$/i, ['GET', 'HEAD', 'POST']],
  [/^\/(Users|Groups)\/\.search$/i, ['POST']],
  [/^\/(Users|Groups)\/[^/]+$/i, ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']],
  [/^\/(ServiceProviderConfig|ResourceTypes|Schemas)(\/[^/]+)?$/i, ['GET', 'HEAD']],
];
// Any other request under /scim/v2 is a SCIM error, not the API's problem+json: 405 (with Allow)
// for a method an endpoint does not answer, else 404 (also /Bulk and /Me, which this service does
// not offer; ServiceProviderConfig says bulk is unsupported).
@Controller('scim/v2')
@UseFilters(ScimExceptionFilter)
export class ScimFallbackController {
  @All('*')
  unmatched(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): never {
    const path = request.url.replace(/^\/scim\/v2/, '').split('?')[0];
    const allowed = ENDPOINTS.find(([pattern]) => pattern.test(path))?.[1];
    // An allowed method reaches this only on a path no route matched (a trailing slash).
    if (!allowed || allowed.includes(request.method))
      throw new ScimError(ScimErrorCode.NotFound, 'no such SCIM endpoint');
    void reply.header('allow', allowed.join(', '));
    throw new ScimError(
      ScimErrorCode.MethodNotAllowed,
      `${request.method} is not supported here; use ${allowed.join(', ')}`,
    );
  }
}

function listOf(resources: unknown[]) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
