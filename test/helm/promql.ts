/**
 * Just enough PromQL reading for the monitoring tests: the metric names an expression selects
 * (so each can be checked against a real /metrics), and whether its brackets balance. Not a parser:
 * the expressions it reads are the chart's own (rules and dashboard).
 */

/** Words that are PromQL syntax, not metric names. */
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/** The expression with its strings, label matchers, ranges, grouping labels and Grafana variables cut out. */
function skeleton(expr: string): string {
  return expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
}

/** Names of the series an expression selects (function names and keywords left out). */
export function metricNames(expr: string): string[] {
  const e = skeleton(expr);
  const out = new Set<string>();
  for (const m of e.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const at = m.index;
    const before = e[at - 1] ?? " ";
    if (/[0-9.]/.test(before)) continue; // the exponent of a number such as 1e3
    if (
      e
        .slice(at + m[0].length)
        .trimStart()
        .startsWith("(")
    )
      continue; // a function
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    out.add(m[0]);
  }
  return [...out];
}

/** Problems with the brackets of an expression (strings ignored); empty when they balance. */
export function bracketProblems(expr: string): string[] {
  const pairs: Record<string, string> = { ")": "(", "}": "{", "]": "[" };
  const stack: string[] = [];
  for (const ch of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ("({[".includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return [`unbalanced ${ch} in ${expr}`];
  }
  return stack.length > 0 ? [`unclosed ${stack.join("")} in ${expr}`] : [];
}

/**
 * Every series name a /metrics text can have: each `# TYPE` family, with `_bucket`, `_sum` and
 * `_count` for histograms (and `_sum`, `_count` for summaries), plus every sample's name.
 */
export function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, type] = [m[1] ?? "", m[2] ?? ""];
    out.add(name);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) out.add(name + s);
    if (type === "summary") for (const s of ["_sum", "_count"]) out.add(name + s);
  }
  for (const m of text.matchAll(/^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/gm)) out.add(m[1] ?? "");
  return out;
}
