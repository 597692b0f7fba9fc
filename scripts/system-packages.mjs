// The system commands the suite needs beyond Node, Postgres and Redis: the runtime's sandbox
// (bubblewrap, socat, ripgrep) and the console's browser tests (chromium). Run before the tests
// (npm's pretest): as root on a machine with apt they are installed; otherwise the run stops here
// with one screen naming the command that installs them, not with a stack trace from inside Jest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const NEEDED = [
  { command: 'bwrap', debianPackage: 'bubblewrap', for: "the runtime's sandbox" },
  { command: 'socat', debianPackage: 'socat', for: "the sandbox's network proxy" },
  { command: 'rg', debianPackage: 'ripgrep', for: "the sandbox's file scan" },
  { command: 'chromium', debianPackage: 'chromium', for: "the console's browser tests" },
];

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((folder) => {
    try {
      fs.accessSync(path.join(folder, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  return run(['update', '-qq']) && run(['install', '-y', '-qq', ...packages]);
}

const missing = NEEDED.filter((need) => !onPath(need.command));
if (missing.length) {
  const packages = missing.map((need) => need.debianPackage);
  const asRoot = process.getuid?.() === 0;
  if (asRoot && onPath('apt-get')) {
    console.log(`test set-up: installing ${packages.join(', ')} with apt-get`);
    if (aptInstall(packages) && missing.every((need) => onPath(need.command))) process.exit(0);
  }
  const command = `${asRoot ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
  console.error(
    [
      '',
      'The test suite needs system commands this machine does not have:',
      ...missing.map(
        (need) => `  ${need.command.padEnd(9)} (${need.debianPackage}), for ${need.for}`,
      ),
      '',
      'Install them, then run npm test again. On Debian or Ubuntu:',
      '',
      `  ${command}`,
      '',
    ].join('\n'),
  );
  process.exit(1);
}
