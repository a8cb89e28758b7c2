export * from './aggregate.ts';
export * from './decider.ts';
export * from './errors.ts';
export * from './values.ts';
export * from './reference.ts';
