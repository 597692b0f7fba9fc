import path from 'node:path';
import { defineConfig } from 'prisma/config';

// Prisma's CLI downloads a native schema engine unless this points at an executable. We never
// use it: `generate` does not need it, and migrations run on the WebAssembly engine
// (scripts/migration-create.mjs, apps/admin-api/src/platform/database/migrations). The stub
// makes any command that would need the native engine fail at once instead of hanging.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'scripts', 'no-native-engine.sh');

export default defineConfig({
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'prisma', 'migrations') },
});
