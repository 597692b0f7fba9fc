import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

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

// The host an exception filter is given: a GraphQL one, or an HTTP one answering on `reply`.
export function hostOf(type: 'graphql' | 'http', reply?: FastifyReply): ArgumentsHost {
  return {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => reply }),
  } as unknown as ArgumentsHost;
}
