import { fakeReply, graphqlAnswer } from '../../../../../test/support/fake-http';
import { sendSpendProblem, SpendError, SpendErrorCode, SpendErrorFilter } from './spend.errors';

// Per code: the console's GraphQL code, and the endpoint protocol's status and code.
const EXPECTED: [SpendErrorCode, string, number, string][] = [
  [SpendErrorCode.LimitExhausted, 'FORBIDDEN', 402, 'spend_limit_exhausted'],
  [SpendErrorCode.LeaseAboveMaximum, 'BAD_USER_INPUT', 422, 'lease_above_maximum'],
  [SpendErrorCode.LeaseNotFound, 'NOT_FOUND', 404, 'lease_not_found'],
  [SpendErrorCode.ModelPriceUnknown, 'BAD_USER_INPUT', 422, 'model_price_unknown'],
  [SpendErrorCode.Invalid, 'BAD_USER_INPUT', 400, 'invalid_request'],
  [SpendErrorCode.NotFound, 'NOT_FOUND', 404, 'lease_not_found'],
  [SpendErrorCode.Conflict, 'CONFLICT', 409, 'conflict'],
];

describe('spend errors', () => {
  it('has a rendering for every code', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.values(SpendErrorCode).sort());
  });

  it('renders every code on GraphQL with its code and reason', () => {
    const filter = new SpendErrorFilter();
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new SpendError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });

  it('answers every code on the endpoint protocol as problem+json with its status and code', () => {
    for (const [code, , status, wire] of EXPECTED) {
      const { reply, sent } = fakeReply();
      sendSpendProblem(reply, new SpendError(code, `refused: ${code}`));
      expect(sent.status).toBe(status);
      expect(sent.type).toBe('application/problem+json');
      expect(sent.body).toMatchObject({ status, code: wire, detail: `refused: ${code}` });
    }
  });

  it('carries the refusing budget and the settlement made, or the settings', () => {
    const exhausted = fakeReply();
    sendSpendProblem(
      exhausted.reply,
      new SpendError(SpendErrorCode.LimitExhausted, 'spent', { limitId: 'l' }, { id: 's' }),
    );
    expect(exhausted.sent.body).toMatchObject({ limit: { limitId: 'l' }, settle: { id: 's' } });
    const above = fakeReply();
    sendSpendProblem(
      above.reply,
      new SpendError(SpendErrorCode.LeaseAboveMaximum, 'too much', { maxLeaseUsd: '0.5' }),
    );
    expect(above.sent.body).toMatchObject({ settings: { maxLeaseUsd: '0.5' } });
    expect(above.sent.body).not.toHaveProperty('settle');
  });
});
