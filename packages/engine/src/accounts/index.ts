export * from './auth';
export * from './principal';
export * from './secrets';
export * from './use-cases';
export * from './sign-in-audit';
