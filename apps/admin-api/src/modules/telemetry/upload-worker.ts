import { move, transferableSymbol, valueSymbol } from 'piscina';
import { prepareUploadBody, type UploadOutcome, type UploadTask } from './upload-preparation';

// The worker threads' entry point (UploadPreparer). A prepared batch's COPY bytes (~300 KB for
// 500 events) are handed back to the event loop by transfer, not copied.
export function prepareUploadOnWorker(task: UploadTask): UploadOutcome {
  const outcome = prepareUploadBody(task);
  const bytes = 'prepared' in outcome ? outcome.prepared.batch?.rows.copy : undefined;
  if (!bytes) return outcome;
  // Piscina posts a value marked movable with its transfer list; the caller receives `outcome`.
  return move({
    [transferableSymbol]: [bytes.buffer],
    [valueSymbol]: outcome,
  }) as unknown as UploadOutcome;
}
