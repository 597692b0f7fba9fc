export * from './format';
export * from './sign';
export * from './verify';
export * from './trust-set';
