import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { rssBytes } from "../../test/support/proc-status.js";
import { slope } from "./stats.js";

/** Resource use of a process, read from /proc/<pid>/status and /proc/<pid>/stat (Linux only). */

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, usually 100). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime in clock ticks, or NaN when the process is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: fields after it start past the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return NaN;
  }
}

export interface UsageSample {
  readonly atMs: number;
  readonly rssBytes: number;
  /** Percent of one core since the previous sample. */
  readonly cpuPercent: number;
}

/**
 * Samples a process every `intervalMs` until stopped or `maxSamples` were taken (bounded).
 * `stop()` returns the samples.
 */
export function sampleUsage(
  pid: number,
  intervalMs: number,
  maxSamples = 10_000,
): { stop(): UsageSample[]; samples: UsageSample[] } {
  const hz = clockTicksPerSecond();
  const samples: UsageSample[] = [];
  let lastTicks = cpuTicks(pid);
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const ticks = cpuTicks(pid);
    const cpu = ((ticks - lastTicks) / hz / ((now - lastAt) / 1000)) * 100;
    samples.push({ atMs: now, rssBytes: rssBytes(pid), cpuPercent: cpu });
    lastTicks = ticks;
    lastAt = now;
    if (samples.length >= maxSamples) clearInterval(timer);
  }, intervalMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

/** Average percent of one core used by `pid` over `windowMs`. */
export async function cpuPercentOver(pid: number, windowMs: number): Promise<number> {
  const hz = clockTicksPerSecond();
  const t0 = cpuTicks(pid);
  const start = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const elapsed = (performance.now() - start) / 1000;
  return ((cpuTicks(pid) - t0) / hz / elapsed) * 100;
}

/** RSS slope in MB per minute over the samples (least squares). */
export function rssSlopeMbPerMin(samples: readonly UsageSample[]): number {
  const pts = samples
    .filter((s) => Number.isFinite(s.rssBytes))
    .map((s) => ({ x: s.atMs / 60_000, y: s.rssBytes / (1024 * 1024) }));
  return slope(pts);
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : "n/a";
}
