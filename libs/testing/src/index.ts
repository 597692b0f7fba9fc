// What the test suite and the benchmarks share to set Steward up around them: scratch databases,
// the built processes, Postgres and Redis instances of their own, bundle pulls verified as the
// runtime verifies them, the run's secret and the SCIM fuzzer. Nothing here imports an app.
export * from './bundle-pull';
export * from './own-services';
export * from './processes';
export * from './scim-fuzz/arbitraries';
export * from './scim-fuzz/runner';
export * from './secret';
export * from './test-database';
