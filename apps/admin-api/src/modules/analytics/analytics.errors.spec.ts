import { graphqlAnswer, httpAnswer } from '../../../../../test/support/fake-http';
import { AnalyticsError, AnalyticsErrorCode, AnalyticsErrorFilter } from './analytics.errors';

// Per code: the console's GraphQL code, and the Analytics API's status.
const EXPECTED: [AnalyticsErrorCode, string, number][] = [
  [AnalyticsErrorCode.Invalid, 'BAD_USER_INPUT', 400],
  [AnalyticsErrorCode.InvalidCursor, 'BAD_USER_INPUT', 400],
];

describe('analytics errors', () => {
  const filter = new AnalyticsErrorFilter();

  it('has a rendering for every code', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.values(AnalyticsErrorCode).sort());
  });

  it('renders every code on GraphQL with its code and reason', () => {
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new AnalyticsError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });

  it('answers every code on the Analytics API as problem+json with its status and code', () => {
    for (const [code, , status] of EXPECTED) {
      const sent = httpAnswer(filter, new AnalyticsError(code, `refused: ${code}`));
      expect(sent.status).toBe(status);
      expect(sent.type).toBe('application/problem+json');
      expect(sent.body).toEqual({
        type: 'about:blank',
        title: 'bad request',
        status,
        detail: `refused: ${code}`,
        code,
      });
    }
  });
});
