export { readEnv, type ProjectorEnv } from './env.ts';
export { startProjector, type Projector } from './projector.ts';
export { projections } from './projections.ts';
