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
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Caller, ScimAuthGuard } from './scim-auth.guard';
import { SCIM_CONTENT_TYPE, ScimExceptionFilter } from './scim-exception.filter';
import { resourceTypes, schemas, serviceProviderConfig } from './scim.discovery';
import { parseIfMatch, parseListQuery, parsePatch, parseProjection, parseSearch } from './scim.dto';
import { ScimError } from './scim.errors';
import { ScimService } from './scim.service';
import type { ScimCaller, Versioned } from './scim.service';

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

@Controller('scim/v2/Users')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimUsersController {
  constructor(private readonly scimService: ScimService) {}

  @Get()
  async list(
    @Caller() caller: ScimCaller,
    @Query() query: Query,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.scimService.listUsers(caller, parseListQuery(query)));
  }

  @Post('.search')
  @HttpCode(200)
  async search(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.scimService.listUsers(caller, parseSearch(body)));
  }

  @Get(':id')
  async get(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Query() query: Query,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return read(
      reply,
      await this.scimService.getUser(caller, id, parseProjection(query)),
      ifNoneMatch,
    );
  }

  @Post()
  async create(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(reply, await this.scimService.createUser(caller, body), 201);
  }

  @Put(':id')
  async replace(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(
      reply,
      await this.scimService.replaceUser(caller, id, body, parseIfMatch(ifMatch)),
    );
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
      await this.scimService.patchUser(caller, id, parsePatch(body), parseIfMatch(ifMatch)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.scimService.deleteUser(caller, id, parseIfMatch(ifMatch));
  }
}

@Controller('scim/v2/Groups')
@UseGuards(ScimAuthGuard)
@UseFilters(ScimExceptionFilter)
export class ScimGroupsController {
  constructor(private readonly scimService: ScimService) {}

  @Get()
  async list(
    @Caller() caller: ScimCaller,
    @Query() query: Query,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.scimService.listGroups(caller, parseListQuery(query)));
  }

  @Post('.search')
  @HttpCode(200)
  async search(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return scim(reply, await this.scimService.listGroups(caller, parseSearch(body)));
  }

  @Get(':id')
  async get(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Query() query: Query,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return read(
      reply,
      await this.scimService.getGroup(caller, id, parseProjection(query)),
      ifNoneMatch,
    );
  }

  @Post()
  async create(
    @Caller() caller: ScimCaller,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(reply, await this.scimService.createGroup(caller, body), 201);
  }

  @Put(':id')
  async replace(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return resource(
      reply,
      await this.scimService.replaceGroup(caller, id, body, parseIfMatch(ifMatch)),
    );
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
      await this.scimService.patchGroup(caller, id, parsePatch(body), parseIfMatch(ifMatch)),
    );
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Caller() caller: ScimCaller,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.scimService.deleteGroup(caller, id, parseIfMatch(ifMatch));
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
    if (!type) throw new ScimError(404, `no resource type ${id}`);
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
    if (!schema) throw new ScimError(404, `no schema ${id}`);
    return scim(reply, schema);
  }
}

// Any other path under /scim/v2 is a SCIM 404, not the API's problem+json.
@Controller('scim/v2')
@UseFilters(ScimExceptionFilter)
export class ScimFallbackController {
  @All('*')
  notFound(): never {
    throw new ScimError(404, 'no such SCIM endpoint');
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
