// Every Steward process of a test run shares the run's database, so it shares its secret too, as
// replicas do: a process that could not unseal another's signing keys would fail every outbox
// change and sweep of that organization it picked up (and hold the change's lease meanwhile).
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnopqrstuv';
