import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, AuthErrorCode } from '../auth.errors';
import { fetchIdpMetadata } from './idp-metadata-url';

// A metadata server that stalls: before its headers, or after them, in the middle of the body.
async function stallingServer() {
  const server = http.createServer((request, response) => {
    if (request.url === '/mid-body') {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.write('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('fetching IdP metadata', () => {
  let server: Awaited<ReturnType<typeof stallingServer>>;

  beforeAll(async () => {
    server = await stallingServer();
  });
  afterAll(() => server.close());

  it('gives up at the deadline, whether the server stalls before answering or mid-body', async () => {
    for (const path of ['/no-answer', '/mid-body']) {
      const refused = await fetchIdpMetadata(`${server.base}${path}`, {
        allowPrivateAddresses: true,
        timeoutMs: 300,
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AuthError);
      expect(refused).toMatchObject({
        code: AuthErrorCode.MetadataTimeout,
        message: `${server.base}${path} did not answer within 0.3 s`,
      });
    }
  });
});
