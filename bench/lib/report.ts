/** Figures of a benchmark run: each with its target and verdict, rendered as a table. */

export type Verdict = "met" | "missed" | "info";

export interface Figure {
  readonly scenario: string;
  readonly metric: string;
  /** Rendered value, e.g. "3.21 ms" or "41 MB". */
  readonly value: string;
  /** The raw number behind `value`, for results.json. */
  readonly raw?: number;
  readonly target?: string;
  readonly verdict: Verdict;
  readonly note?: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly durationMs: number;
  readonly figures: readonly Figure[];
  /** How the figures were obtained (trial counts, time compression, ...). */
  readonly notes: readonly string[];
  readonly error?: string;
}

/** A figure with a numeric target: met when `ok(raw)`. */
export function judged(
  scenario: string,
  metric: string,
  raw: number,
  value: string,
  target: string,
  ok: (v: number) => boolean,
  note?: string,
): Figure {
  return {
    scenario,
    metric,
    raw,
    value,
    target,
    verdict: Number.isFinite(raw) && ok(raw) ? "met" : "missed",
    ...(note !== undefined ? { note } : {}),
  };
}

/** A figure without a target (context, baselines). */
export function info(scenario: string, metric: string, value: string, raw?: number, note?: string): Figure {
  return {
    scenario,
    metric,
    value,
    verdict: "info",
    ...(raw !== undefined ? { raw } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

function pad(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** The plain-text table printed at the end of a run. */
export function renderTable(results: readonly ScenarioResult[]): string {
  const rows: string[][] = [["scenario", "metric", "value", "target", "verdict"]];
  for (const r of results) {
    if (r.error !== undefined) rows.push([r.name, "ERROR", r.error.split("\n")[0] ?? "", "", "missed"]);
    for (const f of r.figures) rows.push([f.scenario, f.metric, f.value, f.target ?? "", f.verdict]);
  }
  const lines = pad(rows);
  lines.splice(1, 0, "-".repeat(Math.max(...lines.map((l) => l.length))));
  const notes = results.flatMap((r) => r.notes.map((n) => `  [${r.name}] ${n}`));
  return `${lines.join("\n")}\n${notes.length > 0 ? `\nNotes:\n${notes.join("\n")}\n` : ""}`;
}

/** Markdown version of the same table (BENCHMARKS.md). */
export function renderMarkdown(results: readonly ScenarioResult[]): string {
  const out = ["| scenario | metric | value | target | verdict |", "| --- | --- | --- | --- | --- |"];
  for (const r of results) {
    if (r.error !== undefined) out.push(`| ${r.name} | ERROR | ${r.error.split("\n")[0] ?? ""} | | missed |`);
    for (const f of r.figures) {
      out.push(`| ${f.scenario} | ${f.metric} | ${f.value} | ${f.target ?? ""} | ${f.verdict} |`);
    }
  }
  return `${out.join("\n")}\n`;
}
