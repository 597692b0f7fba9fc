import 'reflect-metadata';
import { loadConfigOrExit, logUnhandledRejections, reportStartupFailure } from './startup';
import { startTracing } from './platform/telemetry/tracing';

// Tracing starts before the application (and the libraries it instruments) is loaded.
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const tracing = startTracing(config);
  const { startServer } = await import('./server');
  await startServer(config, tracing);
}

logUnhandledRejections();
main().catch(reportStartupFailure);
