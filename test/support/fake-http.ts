import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GraphQLError } from 'graphql';

// The parts of a Fastify reply the error renderers use, recording what was sent.
export function fakeReply() {
  const sent: { status?: number; type?: string; body?: unknown } = {};
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    type(value: string) {
      sent.type = value;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

// The GraphQL error an exception filter throws for `error` in a GraphQL operation.
export function graphqlAnswer(filter: ExceptionFilter, error: Error): GraphQLError {
  const host = { getType: () => 'graphql' } as unknown as ArgumentsHost;
  try {
    filter.catch(error, host);
  } catch (thrown) {
    if (thrown instanceof GraphQLError) return thrown;
    throw thrown;
  }
  throw new Error('the filter threw no GraphQL error');
}

// What an exception filter sends for `error` on a REST route.
export function httpAnswer(filter: ExceptionFilter, error: Error) {
  const { reply, sent } = fakeReply();
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  filter.catch(error, host);
  return sent;
}
