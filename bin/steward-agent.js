#!/usr/bin/env node
// The endpoint runtime's CLI, compiled by `npm install` (scripts/build.mjs) into dist/.
require('../scripts/require-built.cjs')('apps/agent-runtime/src/main.js');
