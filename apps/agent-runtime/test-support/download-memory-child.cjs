// Runs one control-plane call of the built runtime against `url` and reports, as JSON on stdout,
// the outcome and the process's resident memory: before the call and its peak. The peak is the
// address space's high-water mark (VmHWM), not getrusage's maxRSS: Linux carries maxRSS across
// fork and exec, so a child of a large test process would report its parent's size.
const fs = require('node:fs');
const path = require('node:path');
const [, , root, call, url] = process.argv;
const { ControlPlaneClient } = require(
  path.join(root, 'dist/apps/agent-runtime/src/control-plane/control-plane-client.js'),
);

(async () => {
  global.gc?.();
  const before = process.memoryUsage().rss;
  const client = new ControlPlaneClient(url, 'stw_ep_test');
  let outcome;
  try {
    const result =
      call === 'bundle' ? await client.pullBundle(null) : await client.trustSetUpdates(1);
    outcome = { ok: true, bytes: result.bytes?.length ?? JSON.stringify(result).length };
  } catch (error) {
    outcome = { ok: false, error: String(error.message).slice(0, 200) };
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const peak = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)[1]) * 1024;
  process.stdout.write(JSON.stringify({ ...outcome, before, peak }));
  process.exit(0);
})();
