export * from './counters';
export * from './set-budgets';
export * from './budget-status';
