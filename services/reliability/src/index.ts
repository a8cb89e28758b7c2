export { scenarios } from './scenarios/index.ts';
export { runSuite, type SuiteOptions } from './suite.ts';
export { markdownReport, textTable } from './report.ts';
export { passed, type Scenario, type ScenarioResult } from './support.ts';
