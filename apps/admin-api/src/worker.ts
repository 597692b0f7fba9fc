import 'reflect-metadata';
import { loadConfigOrExit, logUnhandledRejections, reportStartupFailure } from './startup';
import { logLevelsFrom, StewardLogger } from './platform/logger';
import { startTracing } from './platform/telemetry/tracing';

// A process that runs jobs only: the same modules as the API, no HTTP.
async function main(): Promise<void> {
  const config = { ...loadConfigOrExit(), STEWARD_PROCESS_ROLE: 'worker' as const };
  if (!config.REDIS_URL || !config.DATABASE_URL) {
    process.stderr.write(
      'A separate worker needs DATABASE_URL and REDIS_URL (the API runs jobs itself otherwise).\n',
    );
    process.exit(1);
  }
  const tracing = startTracing(config);
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = await import('./app.module');
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(config, { http: false }),
    {
      abortOnError: false,
      logger: new StewardLogger({ logLevels: logLevelsFrom(config.LOG_LEVEL) }),
    },
  );
  process.stdout.write('Steward worker is running jobs.\n');
  const stop = async () => {
    await app.close();
    await tracing?.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

logUnhandledRejections();
main().catch(reportStartupFailure);
