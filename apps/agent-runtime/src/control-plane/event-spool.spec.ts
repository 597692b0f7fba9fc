import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventBatch, createEvent, type AgentEvent } from '@steward/telemetry';
import { ControlPlaneError } from './control-plane-client';
import { EventSpool, type Uploader } from './event-spool';

const subject = {
  organizationId: 'org-1',
  userId: 'user-1',
  endpointId: 'ep-1',
  sessionId: 'sess-1',
};

function skillEvents(count: number): AgentEvent[] {
  return Array.from({ length: count }, (_, i) =>
    createEvent(subject, { type: 'skill.used', skill: `skill-${i}` }),
  );
}

class RecordingUploader implements Uploader {
  readonly batches: AgentEvent[][] = [];
  failures: (Error | null)[] = [];
  rejectIndexes: number[] = [];

  async uploadEvents(body: string) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push(EventBatch.parse(JSON.parse(body)).events);
    return { rejected: this.rejectIndexes.map((index) => ({ index })) };
  }
}

describe('durable event spool', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward-spool-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uploads in batches of at most 500, in order, and survives a restart before upload', async () => {
    const events = skillEvents(1203);
    const first = new EventSpool(dir);
    events.forEach((event) => first.append(event));
    const uploader = new RecordingUploader();
    const stats = await new EventSpool(dir).flush(uploader);
    expect(uploader.batches.map((batch) => batch.length)).toEqual([500, 500, 203]);
    expect(uploader.batches.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(stats).toMatchObject({ pending: 0, sent: 1203, rejected: 0, dropped: 0 });
  });

  it('keeps everything not yet accepted while the control plane is down, resending the same ids', async () => {
    const spool = new EventSpool(dir);
    const events = skillEvents(700);
    events.forEach((event) => spool.append(event));
    const uploader = new RecordingUploader();
    uploader.failures = [null, new ControlPlaneError('control plane unreachable', null)];
    const down = await spool.flush(uploader);
    expect(down).toMatchObject({ sent: 500, pending: 200, lastError: /unreachable/ });
    const notFound = new ControlPlaneError('404 Not Found', 404);
    uploader.failures = [notFound];
    expect(await spool.flush(uploader)).toMatchObject({ pending: 200 });
    const up = await spool.flush(uploader);
    expect(up).toMatchObject({ sent: 700, pending: 0, lastError: null });
    expect(uploader.batches.flat().map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('counts a batch the server refuses as invalid and keeps it aside instead of dropping it', async () => {
    const spool = new EventSpool(dir);
    skillEvents(3).forEach((event) => spool.append(event));
    const uploader = new RecordingUploader();
    uploader.failures = [new ControlPlaneError('400 invalid batch', 400)];
    expect(await spool.flush(uploader)).toMatchObject({ sent: 0, rejected: 3, pending: 0 });
    expect(
      fs.readFileSync(path.join(dir, 'rejected.ndjson'), 'utf8').trim().split('\n'),
    ).toHaveLength(3);
  });

  it('keeps aside and counts the events the server lists as rejected in a 200 answer', async () => {
    const spool = new EventSpool(dir);
    const events = skillEvents(4);
    events.forEach((event) => spool.append(event));
    const uploader = new RecordingUploader();
    uploader.rejectIndexes = [1, 3];
    expect(await spool.flush(uploader)).toMatchObject({ sent: 2, rejected: 2, pending: 0 });
    const aside = fs.readFileSync(path.join(dir, 'rejected.ndjson'), 'utf8').trim().split('\n');
    expect(aside.map((line) => (JSON.parse(line) as AgentEvent).id)).toEqual([
      events[1]!.id,
      events[3]!.id,
    ]);
  });

  it('drops the oldest segments past its size cap, and counts them', async () => {
    const old = new EventSpool(dir, 2000);
    skillEvents(20).forEach((event) => old.append(event));
    fs.renameSync(
      fs.readdirSync(dir).map((name) => path.join(dir, name))[0]!,
      path.join(dir, '0000-old.ndjson'),
    );
    const current = new EventSpool(dir, 2000);
    skillEvents(2).forEach((event) => current.append(event));
    const uploader = new RecordingUploader();
    expect(await current.flush(uploader)).toMatchObject({ dropped: 20, sent: 2, pending: 0 });
  });
});
