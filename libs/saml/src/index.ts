export * from './idp-metadata';
