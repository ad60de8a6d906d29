/**
 * Patterns of the control API: `/source/flags` (flags from dgimsuy) is a regular expression,
 * anything else matches as a substring, so a path such as `/orders/stats` is a substring.
 */
export type Matcher = (s: string) => boolean;

export function compilePattern(pattern: string): Matcher {
  const m = /^\/(.+)\/([dgimsuy]*)$/s.exec(pattern);
  if (m) {
    try {
      const re = new RegExp(m[1] ?? "", (m[2] ?? "").replace("g", ""));
      return (s) => re.test(s);
    } catch {
      /* not a valid regex: a substring */
    }
  }
  return (s) => s.includes(pattern);
}
