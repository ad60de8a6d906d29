import type { ChildProcess } from "node:child_process";
import { childEnv, cliArgv, spawnProgram, whenReady, type ChildExit } from "../../src/lib/child-process.js";
import { FrameQueue } from "./frame-queue.js";

/** A `pulsar-push-scaler sidecar` child process (src/lib/child-process.ts) and its JSON log lines. */
export interface SidecarProcess {
  readonly child: ChildProcess;
  /** Every stdout log line, in order (wait on it with `lines.next(...)`). */
  readonly lines: FrameQueue<Record<string, unknown>>;
  /** The "sidecar ready" line: mode, httpPort ("off" or a number), grpcPort (standalone), keys. */
  readonly ready: Record<string, unknown>;
  readonly exited: Promise<ChildExit>;
  readonly stderr: () => string;
  /** SIGKILL if still running (for `after`). */
  kill(): Promise<void>;
}

/**
 * Starts `pulsar-push-scaler sidecar ...args` with `env` added to a clean copy of this process's
 * env (POD_* and PPS_* removed), and waits for its "sidecar ready" log line.
 */
export async function startSidecar(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<SidecarProcess> {
  const lines = new FrameQueue<Record<string, unknown>>();
  const p = spawnProgram({
    name: "sidecar",
    argv: cliArgv(["sidecar", ...args]),
    env: { ...childEnv(process.env), ...env },
    onLog: (rec) => lines.push(rec),
  });
  const { readyRecord } = await whenReady(p, (l) => l["msg"] === "sidecar ready", timeoutMs);
  return {
    child: p.child,
    lines,
    ready: readyRecord,
    exited: p.exited,
    stderr: () => p.text().stderr,
    kill: () => p.kill(),
  };
}
