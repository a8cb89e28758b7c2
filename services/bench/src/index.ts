export { missedGoalFinding, runBench, withCurrentCauses, smokeSizes, fullSizes, type BenchOptions, type BenchSizes } from './run.ts';
export { benchmarksMarkdown, carriedHandNotes, handNotes, hostLoadText, markdownTable, roundsMet, verdict, type BenchReport, type BenchRow, type HostLoad, type MachineInfo } from './report.ts';
export { hostShare, parseCpuTicks, readCpuTicks, type CpuTicks, type HostShare } from './host.ts';
export { percentile, sequential, concurrent, timed, type Latency } from './measure.ts';
export { createHistoryWriter, loadHistory, type PendingAppend } from './history.ts';
export { createBenchDatabase, type BenchDatabase } from './database.ts';
export { readBenchEnv, type BenchEnv } from './env.ts';
