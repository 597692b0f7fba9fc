import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { buildOnce, runCli, startServerProcess } from '@steward/testing';

jest.setTimeout(120_000);

beforeAll(() => buildOnce());

describe('steward CLI against Postgres (DATABASE_URL)', () => {
  const env = { DATABASE_URL: process.env.DATABASE_URL };

  it('creates an organization and a token, and revokes it', async () => {
    const created = await runCli('steward', ['org', 'create', 'CLI Postgres Co', '--json'], env);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const organization = JSON.parse(created.stdout);
    expect(organization).toEqual({
      id: expect.any(String),
      slug: 'cli-postgres-co',
      name: 'CLI Postgres Co',
    });

    const token = await runCli(
      'steward',
      ['token', 'create', '--org', organization.id, '--type', 'scim', '--json'],
      env,
    );
    expect(token.code).toBe(0);
    const issued = JSON.parse(token.stdout);
    expect(issued).toEqual({
      id: expect.any(String),
      type: 'scim',
      secret: expect.stringMatching(/^stw_scim_/),
    });

    // Stored as a hash only: the secret is nowhere in the database.
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(
      'SELECT "secretHash", "revokedAt" FROM "Credential" WHERE id = $1',
      [issued.id],
    );
    expect(rows[0].secretHash).not.toContain(issued.secret.slice(9));

    expect((await runCli('steward', ['token', 'revoke', issued.id, '--json'], env)).code).toBe(0);
    const after = await db.query('SELECT "revokedAt" FROM "Credential" WHERE id = $1', [issued.id]);
    expect(after.rows[0].revokedAt).not.toBeNull();
    await db.end();

    const again = await runCli('steward', ['token', 'revoke', issued.id], env);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/already revoked/) });
    const unknown = await runCli('steward', ['token', 'revoke', 'not-an-id'], env);
    expect(unknown).toMatchObject({ code: 2, stderr: 'steward: no credential not-an-id\n' });
  });

  it('refuses a bootstrap link once SAML works, unless an operator breaks the glass', async () => {
    const organization = JSON.parse(
      (await runCli('steward', ['org', 'create', 'Locked Out Co', '--json'], env)).stdout,
    );
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    await db.query('UPDATE "Organization" SET "bootstrapDisabledAt" = now() WHERE id = $1', [
      organization.id,
    ]);
    const refused = await runCli('steward', ['org', 'bootstrap-link', organization.slug], env);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/SAML works there/) });

    const reopened = await runCli(
      'steward',
      ['org', 'bootstrap-link', organization.slug, '--reopen', '--json'],
      env,
    );
    expect(JSON.parse(reopened.stdout).link).toMatch(
      /\/auth\/bootstrap\/locked-out-co\?token=stw_boot_/,
    );
    const { rows } = await db.query(
      `SELECT action FROM "AuditEvent" WHERE "organizationId" = $1 ORDER BY seq`,
      [organization.id],
    );
    await db.end();
    expect(rows.map((row) => row.action)).toEqual([
      'organization.created',
      'organization.bootstrap_reopened',
    ]);
  });

  it('refuses a bad --type with the accepted values, and changes nothing', async () => {
    const result = await runCli(
      'steward',
      ['token', 'create', '--org', 'x', '--type', 'root'],
      env,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/must be one of scim, analytics, enrolment/);
  });

  it('says which organization is missing', async () => {
    const result = await runCli(
      'steward',
      ['token', 'create', '--org', 'no-such-org', '--type', 'scim'],
      env,
    );
    expect(result).toMatchObject({ code: 2, stderr: 'steward: no organization no-such-org\n' });
  });
});

describe('steward CLI against the embedded database', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-cli-'));
  });

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('works with no server running, and through the running server, whose data it shares', async () => {
    const env = { STEWARD_DATA_DIR: dataDir };
    const alone = await runCli('steward', ['org', 'create', 'Offline Co', '--json'], env);
    expect(alone.code).toBe(0);

    const server = await startServerProcess({ ...env, PORT: '0', LOG_LEVEL: 'error' });
    try {
      // The server's first start found an organization already, so it created none.
      expect(server.output()).not.toMatch(/first start/);
      const created = await runCli('steward', ['org', 'create', 'Online Co', '--json'], env);
      expect(created.code).toBe(0);
      const token = await runCli(
        'steward',
        ['token', 'create', '--org', 'online-co', '--type', 'enrolment', '--json'],
        env,
      );
      expect(JSON.parse(token.stdout).secret).toMatch(/^stw_enrol_/);
      const list = await runCli('steward', ['org', 'list', '--json'], env);
      expect(JSON.parse(list.stdout).map((o: { slug: string }) => o.slug)).toEqual([
        'offline-co',
        'online-co',
      ]);
    } finally {
      await server.stop();
    }

    // And the data outlives the server.
    const later = await runCli('steward', ['org', 'list', '--json'], env);
    expect(JSON.parse(later.stdout)).toHaveLength(2);
  });
});

describe('npm start on an empty data folder', () => {
  it('creates the first organization, prints the console URL and a sign-in link, and keeps data across restarts', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-start-'));
    try {
      const env = { STEWARD_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error' };
      const first = await startServerProcess(env);
      expect(first.output()).toMatch(/first start: created organization "My organization"/);
      expect(first.output()).toMatch(/Console: {2}http:\/\/localhost:\d+\//);
      const link = /Sign in: {2}(\S+)/.exec(first.output())![1].replace('localhost', '127.0.0.1');
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      const signIn = await fetch(link, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      await first.stop();

      const second = await startServerProcess(env);
      try {
        expect(second.output()).not.toMatch(/first start/);
        const orgs = await runCli('steward', ['org', 'list', '--json'], {
          STEWARD_DATA_DIR: dataDir,
        });
        expect(JSON.parse(orgs.stdout).map((o: { slug: string }) => o.slug)).toEqual([
          'my-organization',
        ]);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops with a one-screen error for a bad PORT or an unreachable database', async () => {
    const badPort = await startServerProcess({ PORT: 'abc' }).catch(
      (error: Error) => error.message,
    );
    expect(badPort).toMatch(/PORT="abc": must be a port number/);
    expect(badPort).not.toMatch(/\n\s+at /);
    const badDb = await startServerProcess({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/steward',
      PORT: '0',
    }).catch((error: Error) => error.message);
    expect(badDb).toMatch(
      /Steward cannot start: cannot reach the database steward at 127\.0\.0\.1:1/,
    );
    expect(badDb).not.toMatch(/\n\s+at /);
  });
});
