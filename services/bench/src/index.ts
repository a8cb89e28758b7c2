export { runBench, smokeSizes, fullSizes, type BenchOptions, type BenchSizes } from './run.ts';
export { benchmarksMarkdown, carriedHandNotes, markdownTable, type BenchReport, type BenchRow, type MachineInfo } from './report.ts';
export { percentile, sequential, concurrent, timed, type Latency } from './measure.ts';
export { createHistoryWriter, loadHistory, type PendingAppend } from './history.ts';
export { createBenchDatabase, type BenchDatabase } from './database.ts';
export { readBenchEnv, type BenchEnv } from './env.ts';
