import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as Esbuild from "esbuild";
import { packageRoot } from "../../src/lib/package-root.js";

/** How child processes run the project's TypeScript: compiled to plain JS (default), or under tsx. */
export interface Runner {
  readonly kind: "compiled" | "tsx";
  /** Node arguments that run `sourceFile` (repository-relative .ts path) with `args`. */
  argv(sourceFile: string, args: readonly string[]): string[];
  /** Removes the build folder (idempotent). */
  cleanup(): void;
}

const SOURCE_DIRS = ["src", "sidecar", "bench/baseline", "bench/lib"];

function tsFiles(root: string, dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, dir), { recursive: true, encoding: "utf8" });
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts")).map((n) => join(root, dir, n));
}

/** Runs sources under tsx: what the tests do; startup includes transpiling. */
export function tsxRunner(): Runner {
  const root = packageRoot();
  return {
    kind: "tsx",
    argv: (file, args) => ["--import", "tsx", join(root, file), ...args],
    cleanup: () => {},
  };
}

/**
 * Transpiles src/, sidecar/ and bench/baseline/ with esbuild (no bundling, no type check) into a
 * temporary package beside copies of package.json and links to proto/ and node_modules/, so
 * processes run as plain JS, like the built image: startup time and RSS are not tsx's.
 * Falls back to tsx when esbuild cannot be loaded.
 */
export async function compiledRunner(): Promise<Runner> {
  const root = packageRoot();
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return tsxRunner();
  }
  const out = mkdtempSync(join(tmpdir(), "pps-bench-build-"));
  const entryPoints = SOURCE_DIRS.flatMap((d) => tsFiles(root, d));
  await esbuild.build({
    entryPoints,
    outdir: out,
    outbase: root,
    format: "esm",
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "silent",
  });
  cpSync(join(root, "package.json"), join(out, "package.json"));
  symlinkSync(join(root, "proto"), join(out, "proto"));
  symlinkSync(join(root, "node_modules"), join(out, "node_modules"));
  let removed = false;
  return {
    kind: "compiled",
    argv: (file, args) => [join(out, file.replace(/\.ts$/, ".js")), ...args],
    cleanup: () => {
      if (removed) return;
      removed = true;
      rmSync(out, { recursive: true, force: true });
    },
  };
}
