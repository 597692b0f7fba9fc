import { Logger } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { Config } from './config/config';
import { OrganizationsService } from './modules/organizations/organizations.service';
import { createHttpApp } from './platform/http/http-app';
import { Tracing } from './platform/telemetry/tracing';

export async function startServer(config: Config, tracing: Tracing | null): Promise<void> {
  const app = await createHttpApp(AppModule.forRoot(config), config);
  await app.listen({ port: config.PORT, host: config.HOST });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const publicUrl = config.PUBLIC_URL.replace(`:${config.PORT}`, `:${port}`);

  // The first start on an empty database makes an organization and a one-time link for its first
  // admin. A single-node install prints a fresh link on each start until SAML works; replicas
  // never reissue one behind each other's backs (`steward org bootstrap-link` does, on demand).
  const organizations = app.get(OrganizationsService);
  const { organization, created } = await organizations.ensureFirstOrganization();
  const link =
    created || !config.REDIS_URL ? await organizations.issueBootstrapLink(organization) : null;

  const lines = [
    '',
    `Steward ${created ? 'is running (first start: created organization "' + organization.name + '")' : 'is running'}.`,
    `  Console:  ${publicUrl}/`,
    link
      ? `  Sign in:  ${link.replace(config.PUBLIC_URL, publicUrl)}\n            (one-time link for the first admin of "${organization.slug}", valid 24 hours)`
      : `  Sign in:  ${publicUrl}/sign-in (SAML single sign-on)`,
    `  Database: ${config.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `embedded, in ${config.STEWARD_DATA_DIR}`}`,
    `  Jobs:     ${config.REDIS_URL ? 'BullMQ on Redis (REDIS_URL)' : 'in-process'}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const stop = async (signal: string) => {
    new Logger('Steward').log(`${signal}: shutting down`);
    await app.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
