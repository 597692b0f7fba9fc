import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoryResult } from './support/story';
import { expectStoryOutcome } from './support/story-expectations';

const ROOT = path.resolve(__dirname, '..');

// CI's run of `npm run demo` as a new user runs it: no DATABASE_URL, no REDIS_URL, so the shared
// story plays on the embedded database (PGlite, one Postgres session for every connection) with
// jobs and fan-out in-process. A regression on the default path fails here.
describe('npm run demo on the embedded default', () => {
  let base: string;
  let run: { code: number; stdout: string; stderr: string };
  let result: StoryResult | undefined;

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-demo-test-'));
    const resultFile = path.join(base, 'result.json');
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    run = await new Promise((resolve) =>
      execFile(
        process.execPath,
        [path.join(ROOT, 'scripts/demo.mjs'), '--result', resultFile],
        { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      ),
    );
    if (fs.existsSync(resultFile)) {
      result = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as StoryResult;
    }
  }, 300_000);

  afterAll(() => {
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('passes, on the embedded database with in-process jobs', () => {
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(run.stdout).toMatch(/embedded Postgres in .*, jobs in-process/);
  });

  it('plays the whole shared story there, as on the production shape', () => {
    expect(result).toBeDefined();
    expectStoryOutcome(result!);
  });
});
