export * from './capabilities';
export * from './model';
export * from './paths';
export * from './compiled';
export * from './compile';
export * from './engine';
export * from './bundle';
export * from './network';
