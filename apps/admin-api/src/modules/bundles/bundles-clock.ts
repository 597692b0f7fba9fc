import { Injectable } from '@nestjs/common';

// "Now" for signing (issuedAt, expiresAt, a retiring key's notAfter) and for renewing bundles
// before they expire, injected so tests can move it past a grace period or half a bundle's life.
@Injectable()
export class BundlesClock {
  now(): Date {
    return new Date();
  }
}
