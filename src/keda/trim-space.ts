/*
 * Go's strings.TrimSpace, for trigger metadata: KEDA forwards values to external scalers untrimmed,
 * and its own pulsar scaler trims them, so a migrated trigger must read the same after trimming.
 * JS String.prototype.trim() is not the same set: it trims U+FEFF, which Go keeps, and keeps U+0085,
 * which Go trims. A loop, not a regex: no backtracking on long runs of spaces.
 */

/** Go's unicode.IsSpace: the characters strings.TrimSpace trims. */
function isGoSpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** `s` without leading and trailing Go white space. */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}
