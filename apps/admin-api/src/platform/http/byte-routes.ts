import type { FastifyInstance } from 'fastify';

// Plain Fastify routes whose handlers take the body as bytes and parse it themselves (the endpoint
// protocol's event upload, the OTLP receiver), so the parsed body is not held by the request. They
// live in a scope of their own, where `contentType` ('*': every type) is read into a Buffer and
// nothing else parses it.
export function byteRoutes(
  fastify: FastifyInstance,
  body: { contentType: string; limit?: number },
  routes: (scope: FastifyInstance) => void,
): void {
  void fastify.register((scope, _options, done) => {
    if (body.contentType === '*') scope.removeAllContentTypeParsers();
    else scope.removeContentTypeParser(body.contentType);
    scope.addContentTypeParser(
      body.contentType,
      { parseAs: 'buffer', ...(body.limit === undefined ? {} : { bodyLimit: body.limit }) },
      (_request, bytes, ready) => ready(null, bytes),
    );
    routes(scope);
    done();
  });
}
