const { spawnSync } = require('node:child_process');
const path = require('node:path');

// Runs a compiled entry point from dist/, building first what changed (a no-op in a fraction of a
// second when nothing did). The build's own messages go to stderr, so a command's --json output
// stays clean.
module.exports = function requireBuilt(relative) {
  const root = path.join(__dirname, '..');
  const build = spawnSync(process.execPath, [path.join(__dirname, 'build.mjs'), '--no-console'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (build.status !== 0) {
    process.stderr.write('Steward could not be built; see the messages above.\n');
    process.exit(1);
  }
  require(path.join(root, 'dist', relative));
};
