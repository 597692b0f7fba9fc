import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

// The Prisma schema engine as WebAssembly: the Prisma CLI wants a native engine from a host we
// cannot reach, and the package's own entry point imports a .wasm file as an ES module, which
// Node 20 cannot do. So we instantiate the .wasm ourselves with its JS glue as import object.

let loaded: Promise<typeof bg> | undefined;

// Our `lib` setting has no DOM types, and @types/node does not declare the WebAssembly global.
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}

function loadWasm(): Promise<typeof bg> {
  loaded ??= (async () => {
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await fs.readFile(path.join(path.dirname(glue), 'schema_engine_bg.wasm'));
    // The engine arms 10 s timers (connection/lock timeouts) that would keep a finished process
    // alive; unref them. Pending database I/O still keeps the process alive while it works.
    const imports: Record<string, unknown> = { ...bg };
    for (const [name, fn] of Object.entries(bg)) {
      if (name.startsWith('__wbg_setTimeout_') && typeof fn === 'function') {
        imports[name] = (...args: unknown[]) => {
          const timer = (fn as (...a: unknown[]) => unknown)(...args);
          (timer as NodeJS.Timeout | undefined)?.unref?.();
          return timer;
        };
      }
    }
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return bg;
  })();
  return loaded;
}

// The glue reports Rust panics through this global; without it a panic becomes a TypeError.
const panicRegistry = globalThis as {
  PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void };
};
panicRegistry.PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    lastPanic = message;
  },
};
let lastPanic: string | undefined;

export function findRepoRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`prisma/schema.prisma not found above ${from}`);
    }
  }
}

export interface EnginePaths {
  migrationsDir: string;
  schemaPath: string;
}

export function defaultPaths(): EnginePaths {
  const root = findRepoRoot();
  return {
    migrationsDir: path.join(root, 'prisma', 'migrations'),
    schemaPath: path.join(root, 'prisma', 'schema.prisma'),
  };
}

export const LOCKFILE = 'migration_lock.toml';

export class MigrationHistoryError extends Error {
  override readonly name = 'MigrationHistoryError';
}
export const NO_FILTER = { externalTables: [], externalEnums: [] };

// Reads the migrations folder the way the Prisma CLI does (sorted by directory name).
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const lockContent = await fs
    .readFile(path.join(migrationsDir, LOCKFILE), 'utf8')
    .catch(() => null);
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    dirs.map(async (name) => {
      const content = await fs
        .readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8')
        .then((value) => ({ tag: 'ok' as const, value }))
        .catch((e: Error) => ({ tag: 'error' as const, value: e.message }));
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: LOCKFILE, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

// Runs `work` with a fresh engine over `factory` and always frees it, which disposes the
// adapter's connections (so processes exit promptly).
export async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  schemaPath: string | undefined,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const wasm = await loadWasm();
  const datamodels: [string, string][] | undefined = schemaPath
    ? [[schemaPath, readFileSync(schemaPath, 'utf8')]]
    : undefined;
  const log = () => {};
  lastPanic = undefined;
  const tracked = trackAdapters(factory);
  let engine: SchemaEngine | undefined;
  try {
    engine = await wasm.SchemaEngine.new(
      { datamodels },
      log,
      bindMigrationAwareSqlAdapterFactory(tracked),
    );
    return await work(engine);
  } catch (error) {
    throw engineError(error);
  } finally {
    engine?.free();
    await tracked.disposeAll();
  }
}

// Engine quirk: freeing the engine does not dispose the main adapter, so its pool would keep the
// process alive until pg's idle timeout. We record every adapter and dispose leftovers ourselves.
function trackAdapters(factory: SqlMigrationAwareDriverAdapterFactory) {
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter) => {
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      open.delete(adapter);
      disposed ??= dispose();
      return disposed;
    };
    open.add(adapter);
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
    disposeAll: async () => {
      await Promise.all([...open].map((adapter) => adapter.dispose()));
    },
  };
}

// Engine errors arrive as plain objects or Errors with a JSON-ish message; make them readable.
function engineError(error: unknown): Error {
  if (lastPanic) return new Error(`Prisma schema engine panicked: ${lastPanic}`);
  if (error instanceof Error) return error;
  const e = error as { message?: string; error_code?: string; meta?: unknown };
  const code = e?.error_code ? `${e.error_code}: ` : '';
  return new Error(`${code}${e?.message ?? JSON.stringify(error)}`);
}
