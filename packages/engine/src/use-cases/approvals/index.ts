export * from './approval-timers';
export * from './decide-approval';
export * from './effective-policy';
export * from './fingerprint';
export * from './queries';
export * from './announce-approval';
