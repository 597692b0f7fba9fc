// npm run bench -- scim-fuzz
// Issue 17's fuzz with a random seed (the suite runs it with a fixed one): 10,000 generated hostile
// SCIM requests over HTTP (filters, bodies, PATCH operations, paths, headers, races on userName and
// If-Match) against the in-process API. Goal: no 5xx, every 4xx a SCIM error document, one winner
// per race, canary resources unchanged byte for byte. SCIM_FUZZ_SEED replays a reported seed;
// SCIM_FUZZ_REQUESTS sends more.
import { CredentialsService } from '../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../apps/admin-api/src/modules/organizations/organizations.service';
import { httpTransport, runScimFuzz } from '@steward/testing';
import { dropTestDatabase } from '@steward/testing';
import { reportResult } from './result';
import { benchEnvironment, listenOnLoopback } from './support';

const REQUESTS = Number(process.env.SCIM_FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.SCIM_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;

async function main(): Promise<void> {
  const { database, app } = await benchEnvironment('steward_bench_fuzz');
  const url = await listenOnLoopback(app);
  try {
    const token = async (name: string) => {
      const organization = await app.get(OrganizationsService).create(name, { type: 'operator' });
      return (
        await app
          .get(CredentialsService)
          .issue(organization.id, 'scim', { actor: { type: 'operator' } })
      ).secret;
    };
    const report = await runScimFuzz(httpTransport(url, CONCURRENCY), {
      token: await token('Fuzzed'),
      foreignToken: await token('Neighbour'),
      seed: SEED,
      requests: REQUESTS,
      concurrency: CONCURRENCY,
    });
    console.log(`seed ${SEED}: ${report.sent} requests in ${report.seconds.toFixed(1)} s`);
    console.log(`answers by status: ${JSON.stringify(report.statuses)}`);
    for (const failure of report.failures) console.log(`FAILURE ${failure}`);
    reportResult({
      figure: `SCIM fuzz: failures in ${report.sent} hostile requests (seed ${SEED})`,
      value: report.failures.length,
      unit: 'failures',
      goal: '0 (no 5xx, SCIM errors, one winner per race, canaries unchanged)',
      met: report.failures.length === 0,
    });
    reportResult({
      figure: 'SCIM fuzz: hostile requests answered over HTTP',
      value: report.sent / report.seconds,
      unit: 'requests/s',
      goal: 'informational',
      met: true,
    });
    if (report.failures.length) process.exitCode = 1;
  } finally {
    await app.close();
    await dropTestDatabase(database.name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
