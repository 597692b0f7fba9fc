import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { CONFIG, type Config } from '../../config/config';
import { repoPath } from '../../platform/repo-path';
import { EventsRepository } from './events.repository';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';
import {
  prepareUpload,
  prepareUploadBody,
  type PreparedUpload,
  type UploadOutcome,
  type UploadSubject,
  type UploadTask,
} from './upload-preparation';

// Parsing, validating and encoding an upload costs ~10 ms of CPU for 500 events. On the event
// loop that is 10 ms in which this process answers no bundle pull or spend lease and sends no
// byte of another upload's COPY to Postgres (which then waits on the API). So uploads are prepared
// on worker threads (Piscina: a pool that queues tasks, replaces a thread that dies and is kept by
// Node's own contributors), and the event loop only moves bytes.
//
// The threads run the compiled module from dist/ (the build makes it before `npm start` and
// `npm test`): under the test runner the API itself runs from TypeScript, which a worker thread
// cannot load.
const WORKER_FILE = repoPath('dist/apps/admin-api/src/modules/telemetry/upload-worker.js');
// A thread not needed for this long is stopped; the next upload starts one again (~0.2 s).
const IDLE_THREAD_MS = 60_000;

@Injectable()
export class UploadPreparer implements OnModuleDestroy {
  private readonly pool: Piscina<UploadTask, UploadOutcome> | null;

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly events: EventsRepository,
  ) {
    const threads = config.STEWARD_INGEST_THREADS ?? Math.max(1, availableParallelism() - 1);
    this.pool =
      threads === 0
        ? null
        : new Piscina({
            filename: WORKER_FILE,
            name: 'prepareUploadOnWorker',
            minThreads: 0,
            maxThreads: threads,
            idleTimeout: IDLE_THREAD_MS,
          });
  }

  // An upload's body: refused whole (TelemetryError) when it is not a batch.
  async prepareBody(subject: UploadSubject, body: Uint8Array, now: Date): Promise<PreparedUpload> {
    const task: UploadTask = {
      body,
      subject: {
        organizationId: subject.organizationId,
        userId: subject.userId,
        endpointId: subject.endpointId,
      },
      now: now.getTime(),
      format: this.events.rowFormat,
    };
    const outcome = this.pool ? await this.pool.run(task) : prepareUploadBody(task);
    if ('unreadable' in outcome) {
      throw new TelemetryError(TelemetryErrorCode.Invalid, outcome.unreadable);
    }
    return outcome.prepared;
  }

  // Events another way in parsed already (the OTLP receiver's): prepared right here.
  prepareEvents(subject: UploadSubject, events: unknown[], now: Date): PreparedUpload {
    return prepareUpload(subject, events, now, this.events.rowFormat);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
