export * from './format';
export * from './sign';
export * from './verify';
