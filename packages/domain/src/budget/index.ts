export * from './limits';
export * from './scopes';
export * from './amounts';
export * from './checks';
export * from './events';
export * from './state';
export * from './status';
