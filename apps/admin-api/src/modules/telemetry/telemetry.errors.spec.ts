import { fakeReply, graphqlAnswer } from '../../../../../test/support/fake-http';
import {
  otlpStatusOf,
  sendTelemetryProblem,
  TelemetryError,
  TelemetryErrorCode,
  TelemetryErrorFilter,
} from './telemetry.errors';

// Per code: the console's GraphQL code, the endpoint protocol's status and code, and OTLP's status.
const EXPECTED: [TelemetryErrorCode, string, number, string, number][] = [
  [TelemetryErrorCode.Invalid, 'BAD_USER_INPUT', 400, 'invalid_request', 400],
  [TelemetryErrorCode.UnsupportedMediaType, 'BAD_USER_INPUT', 415, 'unsupported_media_type', 415],
];

describe('telemetry errors', () => {
  it('has a rendering for every code', () => {
    expect(EXPECTED.map(([code]) => code).sort()).toEqual(Object.values(TelemetryErrorCode).sort());
  });

  it('renders every code on GraphQL with its code and reason', () => {
    const filter = new TelemetryErrorFilter();
    for (const [code, graphql] of EXPECTED) {
      const rendered = graphqlAnswer(filter, new TelemetryError(code, `refused: ${code}`));
      expect(rendered.message).toBe(`refused: ${code}`);
      expect(rendered.extensions).toEqual({ code: graphql, reason: code });
    }
  });

  it('answers every code on the endpoint protocol as problem+json with its status and code', () => {
    for (const [code, , status, wire] of EXPECTED) {
      const { reply, sent } = fakeReply();
      sendTelemetryProblem(reply, new TelemetryError(code, `refused: ${code}`));
      expect(sent.status).toBe(status);
      expect(sent.type).toBe('application/problem+json');
      expect(sent.body).toMatchObject({ status, code: wire, detail: `refused: ${code}` });
    }
  });

  it('gives every code its OTLP/HTTP status', () => {
    for (const [code, , , , status] of EXPECTED) {
      expect(otlpStatusOf(new TelemetryError(code, 'x'))).toBe(status);
    }
  });
});
