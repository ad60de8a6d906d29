import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/**
 * A fresh folder under the temp dir, removed with everything in it after the test that made it,
 * or after the test file when made at its top level (not in a before hook: node:test would run
 * the removal right after that hook). Tests leave nothing behind in the temp dir.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
