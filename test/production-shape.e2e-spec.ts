import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startServerProcess, type ServerProcess } from '@steward/testing';
import { TEST_SECRET_KEY } from '@steward/testing';
import { Story, type StoryResult } from './support/story';
import { expectStoryOutcome } from './support/story-expectations';

const ROOT = path.resolve(__dirname, '..');

describe('the whole story on the production shape: two API replicas and a worker', () => {
  const servers: ServerProcess[] = [];
  let base: string;
  let result: StoryResult;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-production-shape-')));
    const shared = {
      ...process.env,
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      STEWARD_QUEUE_PREFIX: process.env.STEWARD_QUEUE_PREFIX,
      STEWARD_SECRET_KEY: TEST_SECRET_KEY,
      STEWARD_DATA_DIR: path.join(base, 'data'),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    };
    const [adminPort, endpointPort] = [await freePort(), await freePort()];
    const api = (port: number) => ({
      ...shared,
      STEWARD_PROCESS_ROLE: 'api',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    servers.push(
      ...(await Promise.all([
        startServerProcess(api(adminPort)),
        startServerProcess(api(endpointPort)),
        startServerProcess(shared, 'dist/apps/admin-api/src/worker.js', /worker is running jobs/),
      ])),
    );

    // The run's database is shared by every test file: this story gets its own organization.
    const steward = (...args: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [path.join(ROOT, 'bin/steward.js'), ...args, '--json'], {
          cwd: ROOT,
          env: shared,
        }).toString(),
      ) as Record<string, string>;
    const organization = steward('org', 'create', `Acme ${Math.random().toString(36).slice(2)}`);
    const { link } = steward('org', 'bootstrap-link', organization.slug!);
    const workDir = path.join(base, 'work');
    fs.mkdirSync(workDir);
    result = await new Story({
      root: ROOT,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      endpointUrl: `http://127.0.0.1:${endpointPort}`,
      organization: { id: organization.id!, slug: organization.slug! },
      bootstrapLink: link!,
      cliEnv: shared,
      workDir,
      print: () => undefined,
    }).play();
  }, 300_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('plays the whole story: governed session, spend across replicas, analytics, audit, revocation', () => {
    expectStoryOutcome(result);
  });
});
