import { readFileSync } from 'node:fs';

/** The machine's CPU time since boot, all cores, in clock ticks (the first line of /proc/stat). */
export type CpuTicks = { user: number; system: number; idle: number; iowait: number; steal: number; total: number };

/**
 * What the whole machine's CPUs did over a stretch of the run: each share of all the cores'
 * time. `steal` is time the hypervisor gave to other guests while this one had work: on shared
 * two-core hosts it is what makes rounds of the same code disagree.
 */
export type HostShare = { busy: number; iowait: number; steal: number };

/**
 * Parses the aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal ...).
 * Undefined when the text has no such line.
 *
 * @example
 * parseCpuTicks('cpu  50394 0 13439 66586 1729 0 2431 5299 0 0\n').steal; // 5299
 */
export const parseCpuTicks = (stat: string): CpuTicks | undefined => {
  const line = stat.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { user: user + nice, system: system + irq + softirq, idle, iowait, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
};

/** This machine's CPU ticks now; undefined where /proc/stat cannot be read (not Linux). */
export const readCpuTicks = (): CpuTicks | undefined => {
  try {
    return parseCpuTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
};

/**
 * The shares of the CPU time between two readings; undefined when either is missing or no tick
 * passed.
 *
 * @example
 * const before = readCpuTicks(); await work(); const share = hostShare(before, readCpuTicks());
 */
export const hostShare = (before: CpuTicks | undefined, after: CpuTicks | undefined): HostShare | undefined => {
  if (!before || !after) return undefined;
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  const busy = after.user - before.user + (after.system - before.system);
  return { busy: busy / total, iowait: (after.iowait - before.iowait) / total, steal: (after.steal - before.steal) / total };
};

