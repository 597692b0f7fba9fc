import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { injectTransport, runScimFuzz } from '@steward/testing';
import { scimClient } from './scim-support';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(() => api.close());

// `npm run bench -- scim-fuzz` runs the same with a random seed.
describe('SCIM fuzz', () => {
  it('answers 10,000 hostile requests without a 5xx, with SCIM errors, leaving canaries as they were', async () => {
    const fuzzed = await scimClient(api, 'Fuzz');
    const foreign = await scimClient(api, 'Fuzz neighbour');
    const report = await runScimFuzz(injectTransport(api.app), {
      token: fuzzed.secret,
      foreignToken: foreign.secret,
      seed: 17,
      requests: 10_000,
      concurrency: 8,
    });
    expect(report.failures).toEqual([]);
    expect(report.sent).toBeGreaterThanOrEqual(10_000);
    // The fuzz reaches every kind of answer, not only refusals.
    expect(Object.keys(report.statuses)).toEqual(
      expect.arrayContaining(['200', '201', '204', '400', '404', '405', '409', '412']),
    );
  }, 180_000);
});
