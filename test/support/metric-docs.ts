import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/lib/package-root.js";

/** name -> Prometheus type. */
export type MetricTypes = Map<string, string>;

/**
 * The metric table of a doc under docs/ (the first table whose header starts with `| metric`):
 * each row's name and type; with `mode`, only rows whose mode column is that mode or `both`.
 */
export function documentedMetrics(doc: string, mode?: string): MetricTypes {
  const lines = readFileSync(join(packageRoot(), "docs", doc), "utf8").split("\n");
  const start = lines.findIndex((l) => /^\|\s*metric\s*\|/.test(l));
  if (start < 0) throw new Error(`docs/${doc} has no metric table`);
  const cells = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[start] ?? "");
  const col = (name: string) => header.indexOf(name);
  const out: MetricTypes = new Map();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const row = cells(line);
    const rowMode = col("mode") >= 0 ? row[col("mode")] : undefined;
    if (mode !== undefined && rowMode !== mode && rowMode !== "both") continue;
    out.set((row[col("metric")] ?? "").replace(/`/g, ""), row[col("type")] ?? "");
  }
  return out;
}

/** The `pps_` metrics a /metrics text declares (`# TYPE` lines), whether or not they have samples. */
export function servedMetrics(text: string): MetricTypes {
  const out: MetricTypes = new Map();
  for (const m of text.matchAll(/^# TYPE (pps_\S+) (\S+)$/gm)) out.set(m[1] ?? "", m[2] ?? "");
  return out;
}

/** Process metrics every program serves (prom-client's defaults, no prefix). */
export const PROCESS_METRICS = [
  "process_cpu_seconds_total",
  "process_resident_memory_bytes",
  "nodejs_heap_size_used_bytes",
  "nodejs_eventloop_lag_seconds",
  "nodejs_gc_duration_seconds",
];

/**
 * What every sidecar's /metrics must show, whatever its mode: its own admin requests counted, the
 * process metrics, and exactly the metrics docs/sidecar.md lists for `mode`.
 */
export function assertSidecarMetrics(text: string, mode: "hub" | "standalone"): void {
  assert.match(
    text,
    /pps_pulsar_admin_requests_total\{cluster="default",path="[a-z-]+"\} [1-9]/,
    "own admin requests",
  );
  for (const name of PROCESS_METRICS) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  assert.deepEqual(
    [...servedMetrics(text)].sort(),
    [...documentedMetrics("sidecar.md", mode)].sort(),
    `docs/sidecar.md's metric table lists exactly the metrics ${mode} mode registers`,
  );
}
