import { Injectable } from '@nestjs/common';

// "Now" for periods, lease expiry and settlement, injected so tests can stand at a chosen moment
// (e.g. a minute before midnight in Tokyo) without faking timers for the whole process.
@Injectable()
export class SpendClock {
  now(): Date {
    return new Date();
  }
}
