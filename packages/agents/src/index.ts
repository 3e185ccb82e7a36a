export * from './providers/types';
export * from './providers/simulated';
export * from './tools/types';
export * from './tools/fs';
export * from './tools/registry';
export * from './tools/workspace-path';
export * from './executor/run-turn';
export * from './executor/run-context';
