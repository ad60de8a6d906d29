import { readFileSync } from "node:fs";

/* What /proc says about a process (Linux only): the reliability tests and the benchmarks read it. */

/** Resident set size in bytes (VmRSS), or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] !== undefined ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}
