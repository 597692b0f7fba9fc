import { createEvent, type EventSubject } from '@steward/telemetry';
import { randomUUID } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { loadConfig } from '../../config/config';
import type { EventsRepository } from './events.repository';
import { TelemetryError, TelemetryErrorCode } from './telemetry.errors';
import type { RowFormat } from './upload-preparation';
import { UploadPreparer } from './upload-preparer';

// The preparer runs the compiled module from dist/ on its threads (npm test builds it first).
const subject: EventSubject = {
  organizationId: randomUUID(),
  userId: 'user-1',
  endpointId: randomUUID(),
  sessionId: 'session-1',
};
const now = new Date();

function preparerOf(threads: number, rowFormat: RowFormat): UploadPreparer {
  const config = loadConfig({ STEWARD_INGEST_THREADS: String(threads) });
  return new UploadPreparer(config, { rowFormat } as EventsRepository);
}

const body = (() => {
  const events = [
    createEvent(subject, { type: 'file.read', path: 'C:\\Users\\ana\\notes.md', bytes: 12 }, now),
    createEvent(subject, { type: 'skill.used', skill: 'pdf' }, now),
    { ...createEvent(subject, { type: 'skill.used', skill: 'docx' }, now), userId: 'someone-else' },
  ];
  return JSON.stringify({ events });
})();
const batch = () => Buffer.from(body);

// Which thread ran the last task: the worker threads' ids, as Piscina keeps them.
function workerThreadIds(preparer: UploadPreparer): number[] {
  const pool = (preparer as unknown as { pool: Piscina }).pool;
  return pool.threads.map((thread) => thread.threadId);
}

describe('UploadPreparer', () => {
  const preparers: UploadPreparer[] = [];
  const make = (threads: number, rowFormat: RowFormat) => {
    const preparer = preparerOf(threads, rowFormat);
    preparers.push(preparer);
    return preparer;
  };
  afterAll(() => Promise.all(preparers.map((preparer) => preparer.onModuleDestroy())));

  it('prepares an upload on a worker thread exactly as on the event loop', async () => {
    const threaded = make(1, 'copy');
    const inline = make(0, 'copy');
    const [offLoop, onLoop] = await Promise.all([
      threaded.prepareBody(subject, batch(), now),
      inline.prepareBody(subject, batch(), now),
    ]);
    expect(workerThreadIds(threaded)).toHaveLength(1);
    expect(workerThreadIds(threaded)).not.toContain(threadId);
    expect(threaded['pool']!.completed).toBe(1);
    // Same rows, digest and refusals; only the batch id (fresh per upload) differs.
    const copyText = (rows: Uint8Array, batchId: string) =>
      Buffer.from(rows).toString('utf8').replaceAll(batchId, '<batch>');
    expect(copyText(offLoop.batch!.rows.copy!, offLoop.batchId)).toBe(
      copyText(onLoop.batch!.rows.copy!, onLoop.batchId),
    );
    expect(copyText(offLoop.batch!.rows.copy!, offLoop.batchId)).toContain(
      'C:\\\\\\\\Users\\\\\\\\ana',
    );
    expect({ ...offLoop.batch!, rows: null }).toEqual({ ...onLoop.batch!, rows: null });
    expect(offLoop.batch!.rows.ids).toEqual(onLoop.batch!.rows.ids);
    // Each row's day and type, by their index in the batch's lists.
    const { days, dayOfRow, types, typeOfRow } = offLoop.batch!;
    expect([...dayOfRow].map((i) => days[i])).toEqual(
      [0, 1].map(() => now.toISOString().slice(0, 10)),
    );
    expect([...typeOfRow].map((i) => types[i]).sort()).toEqual(['file.read', 'skill.used']);
    expect(offLoop.accepted).toBe(2);
    expect(offLoop.rejected).toEqual([
      { index: 2, errors: [{ path: 'userId', message: "not this endpoint's user" }] },
    ]);
    expect(offLoop.rejected).toEqual(onLoop.rejected);
  });

  it('encodes for the embedded database as the JSON its INSERT reads', async () => {
    const prepared = await make(1, 'json').prepareBody(subject, batch(), now);
    const rows = JSON.parse(prepared.batch!.rows.json!) as { id: string; payload: unknown }[];
    expect(prepared.batch!.rows.copy).toBeUndefined();
    expect(rows.map((row) => row.id)).toEqual(prepared.batch!.rows.ids);
    expect(rows[0]).toMatchObject({ batchId: prepared.batchId, userId: 'user-1' });
  });

  it.each([0, 1])('refuses a body that is not a batch (threads: %i)', async (threads) => {
    const preparer = make(threads, 'copy');
    for (const [body, message] of [
      ['{"events": [', 'the body is not JSON'],
      ['{"events": []}', 'with 1 to 500 events'],
      ['[]', 'with 1 to 500 events'],
    ] as const) {
      const refusal = preparer.prepareBody(subject, Buffer.from(body), now);
      await expect(refusal).rejects.toBeInstanceOf(TelemetryError);
      await expect(refusal).rejects.toMatchObject({ code: TelemetryErrorCode.Invalid });
      await expect(refusal).rejects.toThrow(message);
    }
  });
});
