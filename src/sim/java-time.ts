/**
 * An ISO-8601 UTC time as Java's `DateTimeFormatter` writes it in broker answers: the fraction keeps
 * only its significant digits (`.87Z`, `.5Z`) and is left out for whole seconds. `toISOString()`
 * always writes three digits (`.870Z`), which no real broker sends.
 */
export function javaIsoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}
