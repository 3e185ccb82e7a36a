export * from './thresholds';
export * from './trip';
export * from './reset-breaker';
export * from './providers';
