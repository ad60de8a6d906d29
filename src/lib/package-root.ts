import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding package.json, found upwards from this file. Works from src/ (tsx) and from
 * dist/src/ (built), so files shipped beside the code (proto/) are found the same way in both.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "proto"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package root not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}
