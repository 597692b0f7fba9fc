#!/usr/bin/env node
// The operator CLI, compiled by `npm install` (scripts/build.mjs) into dist/.
require('../scripts/require-built.cjs')('apps/admin-api/src/cli.js');
