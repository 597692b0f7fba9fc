import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

// The public REST API that API keys reach (Analytics API and the audit compliance API). Other REST
// routes have protocols of their own (SCIM, endpoint uploads, console sign-in) and stay out.
const PUBLIC_API_PATH = /^\/api\/v1\/(analytics|audit)\//;

// Swagger UI at /api/docs and the OpenAPI document at /api/docs-json.
export function setupOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Steward API')
    .setDescription(
      'Analytics API (per-user and per-group daily metrics, organization summary) and the audit ' +
        'log compliance API. Authenticate with an API key: `Authorization: Bearer stw_ak_…` ' +
        '(scopes analytics:read, audit:read, export).',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup(
    'api/docs',
    app,
    () => {
      const document = SwaggerModule.createDocument(app, config);
      document.paths = Object.fromEntries(
        Object.entries(document.paths).filter(([path]) => PUBLIC_API_PATH.test(path)),
      );
      return document;
    },
    { jsonDocumentUrl: 'api/docs-json' },
  );
}
