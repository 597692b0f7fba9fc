const fs = require('node:fs');
const path = require('node:path');

// Loads a compiled entry point from dist/, or says how to build it.
module.exports = function requireBuilt(relative) {
  const entry = path.join(__dirname, '..', 'dist', relative);
  if (!fs.existsSync(entry)) {
    process.stderr.write(
      `Steward is not built yet (${relative} is missing): run \`npm install\` or \`npm run build\`.\n`,
    );
    process.exit(1);
  }
  require(entry);
};
