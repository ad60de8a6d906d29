import { METADATA_KEYS } from "../keda/metadata.js";

/**
 * Keys KEDA itself reads from an external-push trigger's metadata (the scaler's address and the TLS
 * to it): the hub ignores them, but they are right where they are, so never a typo.
 */
export const KEDA_METADATA_KEYS = [
  "scalerAddress",
  "enableTLS",
  "unsafeSsl",
  "caCert",
  "tlsClientCert",
  "tlsClientKey",
] as const;

/** An unknown metadata key that looks like a misspelling of a known one. */
export interface Typo {
  /** The key as written in the metadata. */
  readonly key: string;
  /** The known key it resembles. */
  readonly resembles: string;
}

/**
 * Optimal string alignment distance (Damerau-Levenshtein restricted to one edit per substring):
 * insertions, deletions, substitutions and transpositions of two adjacent characters cost 1.
 */
export function osaDistance(a: string, b: string): number {
  // Three rows are enough: a transposition looks two rows back.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j - 1] ?? 0) + cost, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      }
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * How far a key may be from a known one to count as its typo, case ignored: 2 edits for keys of 8
 * characters or more, 1 below (short keys are near many words). A case-only difference is distance 0.
 */
function allowed(key: string, known: string): number {
  return Math.min(key.length, known.length) >= 8 ? 2 : 1;
}

/**
 * The metadata keys that neither the hub (METADATA_KEYS) nor KEDA (KEDA_METADATA_KEYS) reads but
 * that are close to one of them, each with the nearest (first in the lists on a tie). A key far
 * from every known key is left alone: the hub ignores it, and so does check.
 */
export function likelyTypos(keys: Iterable<string>): Typo[] {
  const known: readonly string[] = [...METADATA_KEYS, ...KEDA_METADATA_KEYS];
  const typos: Typo[] = [];
  for (const key of keys) {
    if (known.includes(key)) continue;
    const lower = key.toLowerCase();
    let best: { known: string; d: number } | undefined;
    for (const k of known) {
      const d = osaDistance(lower, k.toLowerCase());
      if (d <= allowed(key, k) && (best === undefined || d < best.d)) best = { known: k, d };
    }
    if (best) typos.push({ key, resembles: best.known });
  }
  return typos;
}
