import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliModule } from './cli.module';
import { AuditVerifier } from './modules/audit/audit-verifier';
import { CredentialType, isCredentialType } from './modules/credentials/credential-types';
import { CredentialError } from './modules/credentials/credentials.errors';
import { CredentialsService } from './modules/credentials/credentials.service';
import { OrganizationError } from './modules/organizations/organizations.errors';
import { OrganizationsService } from './modules/organizations/organizations.service';
import { applyMigrations } from './platform/database/migrations';
import { connectEmbeddedDatabase } from './platform/database/embedded';
import { describeStartupFailure, loadConfigOrExit } from './startup';

const OPERATOR = { type: 'operator' as const, id: process.env.USER ?? 'cli' };

class UsageError extends Error {}

function print(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

async function withServices<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: ['error'],
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function credentialType(value: string): CredentialType {
  if (!isCredentialType(value) || value === 'endpoint') {
    throw new InvalidArgumentError('must be one of scim, analytics, enrolment');
  }
  return value;
}

const program = new Command('steward')
  .description('Steward operator CLI: organizations, machine credentials, migrations.')
  .showHelpAfterError();

const org = program.command('org').description('organizations');

org
  .command('create <name>')
  .description('create an organization (its slug is derived from the name)')
  .option('--json', 'print JSON')
  .action(async (name: string, options: { json?: boolean }) => {
    const created = await withServices((app) =>
      app.get(OrganizationsService).create(name, OPERATOR),
    );
    const { id, slug } = created;
    print(
      !!options.json,
      { id, slug, name: created.name },
      `Created organization "${created.name}" (${slug}), id ${id}`,
    );
  });

org
  .command('list')
  .description('list organizations')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const organizations = await withServices((app) => app.get(OrganizationsService).list());
    const rows = organizations.map(({ id, slug, name }) => ({ id, slug, name }));
    print(
      !!options.json,
      rows,
      rows.map((o) => `${o.id}  ${o.slug}  ${o.name}`).join('\n') || 'No organizations.',
    );
  });

org
  .command('bootstrap-link <org>')
  .description('issue a new one-time sign-in link for the first admin (until SAML works)')
  .option(
    '--reopen',
    'break glass: re-enable it after SAML worked (e.g. the IdP certificate expired)',
  )
  .option('--json', 'print JSON')
  .action(async (idOrSlug: string, options: { reopen?: boolean; json?: boolean }) => {
    const link = await withServices(async (app) => {
      const organizations = app.get(OrganizationsService);
      let organization = await organizations.get(idOrSlug);
      if (options.reopen)
        organization = await organizations.reopenBootstrap(organization, OPERATOR);
      return organizations.issueBootstrapLink(organization);
    });
    if (!link)
      throw new UsageError(
        'the bootstrap sign-in is disabled for this organization because SAML works there; --reopen re-enables it',
      );
    print(!!options.json, { link }, link);
  });

const token = program
  .command('token')
  .description('machine credentials: SCIM tokens, Analytics API keys, enrolment tokens');

token
  .command('create')
  .description('create a credential; its secret is printed once')
  .requiredOption('--org <id>', 'organization id or slug')
  .addOption(
    new Option('--type <type>', 'scim, analytics or enrolment')
      .argParser(credentialType)
      .makeOptionMandatory(),
  )
  .option('--name <name>', 'a name to tell it apart')
  .option(
    '--scopes <scopes>',
    'analytics keys: comma-separated, of analytics:read, audit:read, export',
  )
  .option('--json', 'print JSON')
  .action(
    async (options: {
      org: string;
      type: CredentialType;
      name?: string;
      scopes?: string;
      json?: boolean;
    }) => {
      const issued = await withServices(async (app) => {
        const organization = await app.get(OrganizationsService).get(options.org);
        return app.get(CredentialsService).issue(organization.id, options.type, {
          name: options.name,
          scopes: options.scopes?.split(',').map((s) => s.trim()),
          actor: OPERATOR,
        });
      });
      print(
        !!options.json,
        { id: issued.id, type: issued.type, secret: issued.secret },
        `Created ${issued.type} credential ${issued.id}.\nSecret (shown once, store it now):\n  ${issued.secret}`,
      );
    },
  );

token
  .command('list')
  .description('list credentials of an organization')
  .requiredOption('--org <id>', 'organization id or slug')
  .option('--json', 'print JSON')
  .action(async (options: { org: string; json?: boolean }) => {
    const credentials = await withServices(async (app) => {
      const organization = await app.get(OrganizationsService).get(options.org);
      return app.get(CredentialsService).list(organization.id);
    });
    const rows = credentials.map((c) => ({
      id: c.id,
      type: c.type,
      name: c.name,
      hint: c.hint,
      scopes: c.scopes,
      createdAt: c.createdAt,
      lastUsedAt: c.lastUsedAt,
      revokedAt: c.revokedAt,
    }));
    print(
      !!options.json,
      rows,
      rows
        .map(
          (c) =>
            `${c.id}  ${c.type.padEnd(9)}  ${c.hint}  ${c.name}${c.revokedAt ? '  (revoked)' : ''}`,
        )
        .join('\n') || 'No credentials.',
    );
  });

token
  .command('revoke <id>')
  .description('revoke a credential')
  .option('--json', 'print JSON')
  .action(async (id: string, options: { json?: boolean }) => {
    const revoked = await withServices((app) => app.get(CredentialsService).revoke(id, OPERATOR));
    print(
      !!options.json,
      { id: revoked.id, revokedAt: revoked.revokedAt },
      `Revoked credential ${revoked.id}.`,
    );
  });

const audit = program.command('audit').description('the audit log');

audit
  .command('verify')
  .description('recompute the hash chain; names the first edited, deleted or reordered record')
  .requiredOption('--org <id>', 'organization id or slug')
  .option('--events', 'also re-hash the agent events of every ingest batch (reads every event)')
  .option('--json', 'print JSON')
  .action(async (options: { org: string; events?: boolean; json?: boolean }) => {
    const result = await withServices(async (app) => {
      const organization = await app.get(OrganizationsService).get(options.org);
      return app.get(AuditVerifier).verify(organization.id, { events: options.events });
    });
    print(
      !!options.json,
      result,
      result.firstBad
        ? `Audit log BROKEN at record ${result.firstBad.seq}${result.firstBad.id ? ` (id ${result.firstBad.id})` : ''}: ${result.firstBad.problem}: ${result.firstBad.detail}`
        : `Audit log intact: ${result.checked} records verified (seq ${result.fromSeq} to ${result.headSeq}).`,
    );
    if (!result.ok) process.exitCode = 3;
  });

program
  .command('migrate')
  .description('apply database migrations (the server also applies them when it starts)')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const config = loadConfigOrExit();
    let applied: string[];
    if (config.DATABASE_URL) {
      applied = await applyMigrations(config.DATABASE_URL);
    } else {
      // Opening the embedded database migrates it; a running server has done so already.
      const embedded = await connectEmbeddedDatabase(config.STEWARD_DATA_DIR);
      await embedded.close();
      applied = [];
    }
    print(
      !!options.json,
      { applied },
      applied.length ? `Applied ${applied.join(', ')}` : 'The database is up to date.',
    );
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    error instanceof OrganizationError ||
    error instanceof CredentialError
  ) {
    process.stderr.write(`steward: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `steward: ${describeStartupFailure(error).replace(/^Steward cannot start: /, '')}\n`,
  );
  process.exit(1);
});
