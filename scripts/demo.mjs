#!/usr/bin/env node
// `npm run demo`: starts Steward with its embedded defaults in a temporary data folder, plays the
// whole story (test/support/story.ts, shared with test/production-shape.e2e-spec.ts) and prints it
// step by step, then stops the server and removes the folder. `--result FILE` also writes the
// story's outcome there as JSON (test/demo.e2e-spec.ts checks it as CI's run of the demo).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const resultIndex = process.argv.indexOf('--result');
const resultFile = resultIndex > 0 ? path.resolve(process.argv[resultIndex + 1]) : null;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const { Story } = createRequire(import.meta.url)(path.join(root, 'dist/test/support/story.js'));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Resolves with the server's start-up banner (console URL and the one-time sign-in link).
function startServer(env) {
  const server = spawn(process.execPath, [path.join(root, 'dist/apps/admin-api/src/main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const banner = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const link = /Sign in:\s+(\S+\/auth\/bootstrap\/(\S+?)\?token=\S+)/.exec(output);
      if (link) resolve({ link: link[1], slug: link[2] });
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('exit', (code) => reject(new Error(`Steward exited (${code}):\n${output}`)));
  });
  return { server, banner, output: () => output };
}

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-demo-')));
const dataDir = path.join(base, 'data');
const workDir = path.join(base, 'work');
fs.mkdirSync(workDir);
// The embedded defaults: no external Postgres or Redis.
function serverEnv(port) {
  const env = {
    ...process.env,
    STEWARD_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

const print = (line) => process.stdout.write(`${line}\n`);
const started = performance.now();
// A port found free can be taken before the server binds it (another listener, or an outgoing
// connection's ephemeral port: CI saw it), so a start refused for its port tries another one.
async function startOnFreePort() {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const env = serverEnv(port);
    const start = startServer(env);
    try {
      return { ...start, port, env, ready: await start.banner };
    } catch (failure) {
      if (attempt === 5 || !/EADDRINUSE/.test(start.output())) {
        return { ...start, port, env, failure };
      }
    }
  }
}

const { server, output, port, env, ready, failure } = await startOnFreePort();
let exitCode = 0;
try {
  if (failure) throw failure;
  const { link, slug } = ready;
  const url = `http://127.0.0.1:${port}`;
  print(`\nSteward is running at ${url} (embedded Postgres in ${dataDir}, jobs in-process)`);
  print(`  started in ${Math.round(performance.now() - started)} ms; organization "${slug}"\n`);
  const organizations = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'bin/steward.js'), 'org', 'list', '--json'], {
      cwd: root,
      env: { ...env, LOG_LEVEL: 'error' },
    }).toString(),
  );
  const organization = organizations.find((o) => o.slug === slug);
  const result = await new Story({
    root,
    adminUrl: url,
    endpointUrl: url,
    organization,
    bootstrapLink: link,
    cliEnv: env,
    workDir,
    print,
  }).play();
  if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(result));
  const { bundleReachedEndpointMs, sessionRefusedMs } = result.revocation;
  print('');
  print(
    `Revocation: the endpoint held the revoked bundle ${Math.round(bundleReachedEndpointMs)} ms after the SCIM PATCH; ` +
      `its next session was refused ${Math.round(sessionRefusedMs)} ms after it.`,
  );
  if (!result.spend)
    print('Spend leases are not in this build yet: the budget step only defined the limit.');
  print(`The whole story took ${((performance.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  exitCode = 1;
  process.stderr.write(`\nThe demo failed: ${error instanceof Error ? error.message : error}\n`);
  const serverOutput = output().trim().split('\n').slice(-60).join('\n');
  process.stderr.write(
    `\nSteward ${server.exitCode === null ? 'is still running' : `exited (${server.exitCode})`}; its last lines:\n${serverOutput}\n`,
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) =>
    server.exitCode === null ? server.once('exit', resolve) : resolve(),
  );
  fs.rmSync(base, { recursive: true, force: true });
}
process.exit(exitCode);
