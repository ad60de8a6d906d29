import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ScalerError } from "./errors.js";

/*
 * The one launcher of child programs: the demo starts its hub and sidecars with it, the benchmarks
 * and the process tests theirs. A program logs JSON lines on stdout; they are kept (a ring) and
 * can be waited for.
 */

/** A child did not log its ready line in time, or exited before it. */
export class ChildStartError extends ScalerError {}

/** One stdout line: its JSON object, `{ raw }` for other text, `{ stderr }` for a stderr line. */
export type LogRecord = Record<string, unknown>;

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Node arguments that run this package's CLI with `args`: from source under tsx when this file is
 * TypeScript, else the built `dist/cli.js`.
 */
export function cliCommand(moduleUrl: string = import.meta.url): { execArgs: string[]; cli: string } {
  if (moduleUrl.endsWith(".ts")) {
    return {
      execArgs: ["--import", import.meta.resolve("tsx")],
      cli: fileURLToPath(new URL("../cli.ts", moduleUrl)),
    };
  }
  return { execArgs: [], cli: fileURLToPath(new URL("../cli.js", moduleUrl)) };
}

/** `cliCommand()` as one argument list: `node ...cliArgv(["hub", ...])`. */
export function cliArgv(args: readonly string[]): string[] {
  const { execArgs, cli } = cliCommand();
  return [...execArgs, cli, ...args];
}

/** An environment without PPS_* / POD_* settings, so flags (or the caller) decide alone. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(PPS_|POD_)/.test(k)));
}

export interface ProgramOptions {
  /** Label for errors and logs (`hub`, `sidecar demo-a`). */
  readonly name: string;
  /** Node's arguments: the script and its arguments (cliArgv, or a benchmark runner's argv). */
  readonly argv: readonly string[];
  /** The whole environment of the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here as they come. */
  readonly logFile?: string;
  /** How many records `lines` keeps (a ring). Default 500. */
  readonly keepLines?: number;
  /** Keep all of stdout and stderr as text too (for programs that run to their exit). */
  readonly keepText?: boolean;
  /** SIGKILL the child when this process exits, so it never outlives its parent. */
  readonly killWithParent?: boolean;
  /** Every stdout record, in order. */
  readonly onLog?: (rec: LogRecord) => void;
  readonly onExit?: (exit: ChildExit) => void;
}

/** A running (or exited) child program. A plain object: callers may spread it into their own. */
export interface Program {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The newest records, oldest first. */
  readonly lines: LogRecord[];
  /** Resolves once the child exited and its stdout and stderr ended. */
  readonly exited: Promise<ChildExit>;
  /** stdout and stderr so far (only with keepText; stderr is kept always). */
  readonly text: () => { readonly stdout: string; readonly stderr: string };
  /** Resolves with the first future record matching `pred`; rejects after timeoutMs or an exit. */
  waitForLine(pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord>;
  /** The first kept record matching `pred`, or else the first future one. */
  firstLine(pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord>;
  /** Spawned, not exited and not killed by a signal. */
  isRunning(): boolean;
  /** Sends `signal` (default SIGKILL) if still running, and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit and closes the log file. Idempotent. */
  stop(graceMs: number): Promise<void>;
}

/** A program that logged its ready line. */
export interface ReadyProgram extends Program {
  readonly readyRecord: LogRecord;
  /** Spawn to ready line, in ms. */
  readonly startupMs: number;
}

function tail(lines: readonly LogRecord[]): string {
  return lines
    .slice(-8)
    .map((l) => JSON.stringify(l))
    .join(" | ");
}

function parseLine(line: string): LogRecord {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null ? (parsed as LogRecord) : { raw: line };
  } catch {
    return { raw: line };
  }
}

/** Spawns `node ...argv` now; wait for its ready line with `whenReady`. */
export function spawnProgram(o: ProgramOptions): Program {
  const child = spawn(process.execPath, [...o.argv], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: WriteStream | undefined = o.logFile ? createWriteStream(o.logFile, { flags: "a" }) : undefined;
  const keep = o.keepLines ?? 500;
  const lines: LogRecord[] = [];
  const listeners = new Set<(rec: LogRecord) => void>();
  let stdout = "";
  let stderr = "";
  const record = (rec: LogRecord): void => {
    lines.push(rec);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    for (const f of [...listeners]) f(rec);
  };
  createInterface({ input: child.stdout }).on("line", (l) => {
    log?.write(`${l}\n`);
    if (o.keepText) stdout += `${l}\n`;
    const rec = parseLine(l);
    o.onLog?.(rec);
    record(rec);
  });
  createInterface({ input: child.stderr }).on("line", (l) => {
    log?.write(`${l}\n`);
    stderr += `${l}\n`;
    record({ stderr: l });
  });
  const isRunning = (): boolean =>
    child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const killNow = (): void => {
    if (isRunning()) child.kill("SIGKILL");
  };
  if (o.killWithParent) process.once("exit", killNow);
  const exited = new Promise<ChildExit>((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      process.off("exit", killNow);
      o.onExit?.({ code, signal });
      resolve({ code, signal });
    };
    // "close" comes after stdout and stderr ended: no record arrives after it.
    child.once("close", finish);
    child.once("error", (err) => {
      log?.write(`failed to start ${o.name}: ${err.message}\n`);
      stderr += `failed to start ${o.name}: ${err.message}\n`;
      if (child.pid === undefined) finish(null, null);
    });
  });
  const waitForLine = (pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord> =>
    new Promise<LogRecord>((resolve, reject) => {
      const end = (err?: Error, rec?: LogRecord): void => {
        clearTimeout(timer);
        listeners.delete(f);
        if (err) reject(err);
        else resolve(rec as LogRecord);
      };
      const timer = setTimeout(() => {
        end(new ChildStartError(`${o.name}: no matching line in ${timeoutMs} ms; last: ${tail(lines)}`));
      }, timeoutMs);
      const f = (rec: LogRecord): void => {
        if (pred(rec)) end(undefined, rec);
      };
      listeners.add(f);
      void exited.then(({ code, signal }) => {
        if (listeners.has(f)) {
          end(new ChildStartError(`${o.name} exited (${signal ?? code}) first; last: ${tail(lines)}`));
        }
      });
    });
  const firstLine = (pred: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord> => {
    const seen = lines.find(pred);
    return seen ? Promise.resolve(seen) : waitForLine(pred, timeoutMs);
  };
  const kill = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    if (isRunning()) child.kill(signal);
    await exited;
  };
  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number): Promise<void> =>
    (stopping ??= (async () => {
      if (isRunning()) {
        child.kill("SIGTERM");
        const timer = setTimeout(killNow, graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
      if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
    })());
  return {
    name: o.name,
    child,
    pid: child.pid ?? -1,
    lines,
    exited,
    text: () => ({ stdout, stderr }),
    waitForLine,
    firstLine,
    isRunning,
    kill,
    stop,
  };
}

/**
 * Waits for the program's ready line (already logged, or to come). When it does not come in time,
 * or the program exits first, the program is killed and the promise rejects with ChildStartError.
 */
export async function whenReady(
  p: Program,
  ready: (rec: LogRecord) => boolean,
  timeoutMs: number,
  started: number = performance.now(),
): Promise<ReadyProgram> {
  let readyRecord: LogRecord;
  try {
    readyRecord = await p.firstLine(ready, timeoutMs);
  } catch (err) {
    await p.kill();
    throw err;
  }
  return { ...p, readyRecord, startupMs: performance.now() - started };
}

/** spawnProgram, then whenReady. */
export function startProgram(
  o: ProgramOptions & { readonly ready: (rec: LogRecord) => boolean; readonly readyTimeoutMs?: number },
): Promise<ReadyProgram> {
  const started = performance.now();
  return whenReady(spawnProgram(o), o.ready, o.readyTimeoutMs ?? 20_000, started);
}

/**
 * Runs a program to its exit: the exit and all of its output. With `timeoutMs`, a program still
 * running then is killed and the promise rejects with what it printed.
 */
export async function runProgram(
  o: ProgramOptions & { readonly timeoutMs?: number },
): Promise<ChildExit & { stdout: string; stderr: string }> {
  const p = spawnProgram({ ...o, keepText: true });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    if (o.timeoutMs === undefined) return;
    timer = setTimeout(() => {
      const { stdout, stderr } = p.text();
      void p.kill();
      reject(new Error(`${o.name} did not finish within ${o.timeoutMs} ms; output:\n${stdout}\n${stderr}`));
    }, o.timeoutMs);
  });
  try {
    const exit = await Promise.race([p.exited, late]);
    return { ...exit, ...p.text() };
  } finally {
    clearTimeout(timer);
  }
}
