import { readFile, stat } from "node:fs/promises";
import { AuthenticationError } from "../errors.js";
import type { AuthProvider } from "./provider.js";

/** `Authorization: Bearer <jwt>` from an inline token. */
export function inlineTokenAuth(token: string): AuthProvider {
  const value = `Bearer ${token.trim()}`;
  return { kind: "token", headers: () => Promise.resolve({ authorization: value }) };
}

/**
 * `Authorization: Bearer <jwt>` from a file that rotates (a mounted Secret). The file is stat'ed
 * on every call and re-read when its mtime or size changed, or after `invalidate()` (a 401).
 * An unreadable or empty file rejects with AuthenticationError naming the path (never the token).
 */
export function fileTokenAuth(path: string): AuthProvider {
  let cached: { stamp: string; value: string } | undefined;
  const where = `file://${path}`;

  async function headers(): Promise<Record<string, string>> {
    let stamp: string;
    try {
      const s = await stat(path);
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`;
      if (cached?.stamp === stamp) return { authorization: cached.value };
      const token = (await readFile(path, "utf8")).trim();
      if (token.length === 0) throw new AuthenticationError("token file is empty", where);
      cached = { stamp, value: `Bearer ${token}` };
      return { authorization: cached.value };
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "error";
      throw new AuthenticationError(`token file cannot be read (${code})`, where, { cause: err });
    }
  }

  return {
    kind: "token",
    headers,
    invalidate: () => {
      cached = undefined;
    },
  };
}
