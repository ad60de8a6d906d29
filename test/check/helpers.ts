import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliArgv, runProgram } from "../../src/lib/child-process.js";
import { packageRoot } from "../../src/lib/package-root.js";
import { run } from "../../src/check/main.js";
import type { Report } from "../../src/check/report.js";
import { tempDir } from "../support/temp-dir.js";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `pulsar-push-scaler check ...` as a real process; resolves when it exits. */
export async function cliCheck(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runProgram({
    name: "check",
    argv: cliArgv(["check", ...args]),
    cwd: packageRoot(),
    env: { ...cleanEnv(), ...env },
  });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** process.env without PPS_* variables, so the developer's shell cannot change a test. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PPS_")));
}

/** check in-process: exit code and everything written. */
export async function runCheck(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await run(args, { out: (t) => (out += t), env });
  return { code, out };
}

/** check --json in-process, parsed. */
export async function checkJson(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; report: Report }> {
  const { code, out } = await runCheck([...args, "--json"], env);
  return { code, report: JSON.parse(out) as Report };
}

/** `--metadata k=v` flags. */
export function metaFlags(meta: Record<string, string>): string[] {
  return Object.entries(meta).flatMap(([k, v]) => ["--metadata", `${k}=${v}`]);
}

/** A temp dir for this test file (removed after it), and a writer of files in it. */
export function tempFiles(prefix: string): (name: string, text: string) => string {
  const dir = tempDir(prefix);
  return (name, text) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
}
