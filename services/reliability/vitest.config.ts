import { mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// The scenarios start their own servers and child processes: one file at a time, long timeouts.
export default mergeConfig(sharedConfig, { test: { maxWorkers: 1, testTimeout: 180_000, hookTimeout: 180_000 } });
