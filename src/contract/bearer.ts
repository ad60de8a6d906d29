import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Bearer-token checks for the sidecar channel. The token is a function so that a mounted Secret can
 * rotate: it is read again for every check (hub) and every connect (sidecar). Tokens are never
 * logged and never part of an error message.
 */

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Whether an Authorization header carries `expected`. Compares SHA-256 digests with
 * timingSafeEqual: equal-length buffers, so neither the content nor the length leaks through time.
 * An empty expected token matches nothing.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const given = BEARER.exec(header ?? "")?.[1] ?? "";
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b) && expected.length > 0 && given.length > 0;
}

/** The value of an Authorization header for `token`. */
export function bearerHeader(token: string): string {
  return `Bearer ${token}`;
}

/**
 * A token source reading `path` on every call (trimmed), so a rotated Secret is picked up. Throws
 * the fs error (which names the path, not the content) when the file cannot be read.
 */
export function tokenFromFile(path: string): () => string {
  return () => readFileSync(path, "utf8").trim();
}
