import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Runner } from "./runner.js";

export type LogRecord = Record<string, unknown>;

export interface ProcOptions {
  /** Label for errors. */
  readonly name: string;
  /** Repository-relative .ts entry point, e.g. src/cli.ts. */
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The stdout JSON line that says the process is ready. */
  readonly ready: (rec: LogRecord) => boolean;
  readonly readyTimeoutMs?: number;
  /** How many log lines to keep (a ring). Default 500. */
  readonly keepLines?: number;
}

/** A child process started by a benchmark or a reliability test. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The ready line. */
  readonly readyRecord: LogRecord;
  /** Spawn to ready line, in ms. */
  readonly startupMs: number;
  /** The newest log lines (JSON, or `{raw}` for other output). */
  readonly lines: LogRecord[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first future line matching `pred` (or rejects after timeoutMs). */
  waitForLine(pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord>;
  /** The first kept line matching `pred`, or else the first future one (rejects after timeoutMs). */
  firstLine(pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord>;
  /** Not exited and not killed by a signal. */
  isRunning(): boolean;
  /** Sends a signal (default SIGKILL) if still running, and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `node <runner args>` and waits for its ready line; kills it when not ready in time. */
export async function startProc(runner: Runner, o: ProcOptions): Promise<Proc> {
  const started = performance.now();
  const child = spawn(process.execPath, runner.argv(o.file, o.args), {
    env: { ...process.env, POD_NAMESPACE: "", ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = o.keepLines ?? 500;
  const lines: LogRecord[] = [];
  const listeners = new Set<(rec: LogRecord) => void>();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const onLine = (l: string) => {
    let rec: LogRecord;
    try {
      const parsed: unknown = JSON.parse(l);
      rec = typeof parsed === "object" && parsed !== null ? (parsed as LogRecord) : { raw: l };
    } catch {
      rec = { raw: l };
    }
    lines.push(rec);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    for (const f of [...listeners]) f(rec);
  };
  createInterface({ input: child.stdout }).on("line", onLine);
  createInterface({ input: child.stderr }).on("line", (l) => onLine(JSON.stringify({ stderr: l })));
  const waitForLine = (pred: (rec: LogRecord) => boolean, timeoutMs: number) =>
    new Promise<LogRecord>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(f);
        reject(new Error(`${o.name}: no matching line in ${timeoutMs} ms; last: ${tail(lines)}`));
      }, timeoutMs);
      const f = (rec: LogRecord) => {
        if (!pred(rec)) return;
        clearTimeout(timer);
        listeners.delete(f);
        resolve(rec);
      };
      listeners.add(f);
    });
  const firstLine = (pred: (rec: LogRecord) => boolean, timeoutMs: number) => {
    const seen = lines.find(pred);
    return seen ? Promise.resolve(seen) : waitForLine(pred, timeoutMs);
  };
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (isRunning()) child.kill(signal);
    await exited;
  };
  const readyLine = waitForLine(o.ready, o.readyTimeoutMs ?? 20_000);
  const died = exited.then((code) => {
    throw new Error(`${o.name} exited with ${code} before ready; last: ${tail(lines)}`);
  });
  let readyRecord: LogRecord;
  try {
    readyRecord = await Promise.race([readyLine, died]);
  } catch (err) {
    await kill();
    throw err;
  }
  died.catch(() => {});
  return {
    name: o.name,
    child,
    pid: child.pid ?? -1,
    readyRecord,
    startupMs: performance.now() - started,
    lines,
    exited,
    waitForLine,
    firstLine,
    isRunning,
    kill,
  };
}

function tail(lines: readonly LogRecord[]): string {
  return lines
    .slice(-8)
    .map((l) => JSON.stringify(l))
    .join(" | ");
}

/** Kills every process (SIGKILL), each in its own try, and waits for them. */
export async function killAll(procs: Iterable<Proc | undefined>): Promise<void> {
  await Promise.all(
    [...procs].map(async (p) => {
      try {
        await p?.kill();
      } catch {
        /* already gone */
      }
    }),
  );
}
