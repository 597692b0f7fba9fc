import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CHILD = path.join(__dirname, '../../test-support/download-memory-child.cjs');
const MiB = 1024 * 1024;
// What a misbehaving or hostile server sends: far more than any bundle, as fast as it can.
const SENT_BYTES = 512 * MiB;

interface Measured {
  ok: boolean;
  error?: string;
  before: number;
  peak: number;
}

function measure(call: 'bundle' | 'trust-set', url: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', CHILD, ROOT, call, url],
      { timeout: 120_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as Measured)),
    );
  });
}

// Attack test: a response body without end (chunked, no length) costs the runtime bounded memory,
// measured as the peak resident memory of a process making the one call.
describe('bounded downloads from the control plane (attack test)', () => {
  let server: http.Server;
  let url: string;
  // Bytes the server wrote for each answer, once its connection closed.
  let answered: Promise<number>;
  let answerClosed: (bytes: number) => void;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'steward-trust-set-version': '1' });
      let written = 0;
      // The trust-set route's body is a JSON document that never closes.
      if (req.url!.includes('trust-set')) res.write('{"version":2,"updates":["');
      const pump = () => {
        while (written < SENT_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => answerClosed(written));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The build is skipped when nothing changed; when something did, it takes a while.
  }, 180_000);

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['bundle', 'trust-set'] as const)(
    'refuses an endless %s body as soon as it passes the limit, under 64 MiB of peak memory',
    async (call) => {
      answered = new Promise((resolve) => (answerClosed = resolve));
      const result = await measure(call, url);
      const sent = await answered;
      const growth = result.peak - result.before;
      process.stdout.write(
        `${call}: peak RSS ${(result.peak / MiB).toFixed(1)} MiB, ` +
          `${(growth / MiB).toFixed(1)} MiB above the ${(result.before / MiB).toFixed(1)} MiB before the call; ` +
          `server wrote ${(sent / MiB).toFixed(0)} MiB\n`,
      );
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/larger than/);
      expect(growth).toBeLessThan(64 * MiB);
      expect(sent).toBeLessThan(SENT_BYTES);
    },
  );
});
