import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { packageRoot } from "../../src/lib/package-root.js";
import { FrameQueue } from "./frame-queue.js";

/** A `pulsar-push-scaler sidecar` child process and its JSON log lines. */
export interface SidecarProcess {
  readonly child: ChildProcess;
  /** Every JSON log line of stdout, in order (wait on it with `lines.next(...)`). */
  readonly lines: FrameQueue<Record<string, unknown>>;
  /** The "sidecar ready" line: mode, httpPort ("off" or a number), grpcPort (standalone), keys. */
  readonly ready: Record<string, unknown>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
  /** SIGKILL if still running (for `after`). */
  kill(): void;
}

/**
 * Spawns `node --import tsx src/cli.ts sidecar ...args` with `env` added to a clean copy of this
 * process's env (POD_* and PPS_* removed), and waits for its "sidecar ready" log line.
 */
export async function startSidecar(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<SidecarProcess> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("PPS_") && !k.startsWith("POD_")),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "sidecar", ...args], {
    cwd: packageRoot(),
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = new FrameQueue<Record<string, unknown>>();
  let err = "";
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  createInterface({ input: child.stdout }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      lines.push({ msg: "(not JSON)", text: l });
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  let started = false;
  const exitedEarly = exited.then(({ code }) =>
    started
      ? new Promise<never>(() => {})
      : Promise.reject(new Error(`sidecar exited with ${code} before ready: ${err}`)),
  );
  const ready = await Promise.race([
    lines.next((l) => l["msg"] === "sidecar ready", timeoutMs, "sidecar ready line"),
    exitedEarly,
  ]).then(
    (line) => {
      started = true;
      return line;
    },
    (e: unknown) => {
      kill();
      throw e;
    },
  );
  return { child, lines, ready, exited, stderr: () => err, kill };
}
