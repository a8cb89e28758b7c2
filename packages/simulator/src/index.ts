export { createSimulation, simulate } from './simulate.ts';
export {
  companyDate,
  companyUtcOffset,
  defaultStartDate,
  emptyStats,
  iso,
  simulationWindow,
  DAY,
  HOUR,
  MINUTE,
  type SimCommand,
  type SimulationOptions,
  type SimulationStats,
} from './types.ts';
export { createRng, mulberry32, type Rng } from './prng.ts';
