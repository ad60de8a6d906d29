import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ScalerError } from "../lib/errors.js";

/** A child did not log its ready line in time, or exited before it. */
export class ChildStartError extends ScalerError {}

export type LogRecord = Readonly<Record<string, unknown>>;

/**
 * How to run this same CLI as a child: from source (`node --import tsx src/cli.ts`) when this file
 * is TypeScript, else the built `dist/cli.js`.
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

export interface ChildOptions {
  /** Short name used in the timeline (`hub`, `demo-a`). */
  readonly name: string;
  /** CLI arguments after the binary, e.g. ["hub", "--grpc-port", "0"]. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr of the child are appended here. */
  readonly logFile: string;
  /** Called for every JSON log line on stdout. */
  readonly onLog?: (rec: LogRecord) => void;
  readonly onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A running child program of the demo. */
export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  private readonly log: WriteStream;
  private readonly readyWaiters: Array<(rec: LogRecord) => boolean> = [];
  private stopping: Promise<void> | undefined;

  constructor(readonly opts: ChildOptions) {
    const { execArgs, cli } = cliCommand();
    this.log = createWriteStream(opts.logFile, { flags: "a" });
    this.process = spawn(process.execPath, [...execArgs, cli, ...opts.args], {
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.process.stderr?.pipe(this.log, { end: false });
    createInterface({ input: this.process.stdout! }).on("line", (line) => {
      this.log.write(`${line}\n`);
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        return;
      }
      opts.onLog?.(rec);
      for (const w of [...this.readyWaiters])
        if (w(rec)) this.readyWaiters.splice(this.readyWaiters.indexOf(w), 1);
    });
    // If the demo itself dies (an uncaught error, a closed stdout), its children must not outlive it.
    const killOnExit = (): void => this.kill();
    process.once("exit", killOnExit);
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        process.off("exit", killOnExit);
        opts.onExit?.(code, signal);
        resolve();
      };
      // "close" comes after stdout/stderr ended, so no log line is written after it.
      this.process.once("close", finish);
      this.process.once("error", (err) => {
        this.log.write(`failed to start ${opts.name}: ${err.message}\n`);
        if (this.process.pid === undefined) finish(null, null);
      });
    });
  }

  get running(): boolean {
    const p = this.process;
    return p.pid !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Resolves with the first log record matching `ready` (rejects after `timeoutMs` or on exit). */
  waitFor(ready: (rec: LogRecord) => boolean, timeoutMs: number): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new ChildStartError(
            `${this.opts.name} did not get ready within ${timeoutMs} ms (see ${this.opts.logFile})`,
          ),
        );
      }, timeoutMs);
      this.readyWaiters.push((rec) => {
        if (!ready(rec)) return false;
        clearTimeout(timer);
        resolve(rec);
        return true;
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(
          new ChildStartError(`${this.opts.name} exited before it was ready (see ${this.opts.logFile})`),
        );
      });
    });
  }

  /** SIGKILL now (failover demo). */
  kill(): void {
    if (this.running) this.process.kill("SIGKILL");
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. Idempotent. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running) {
        this.process.kill("SIGTERM");
        const timer = setTimeout(() => this.kill(), graceMs);
        await this.exited;
        clearTimeout(timer);
      }
      await this.exited;
      await new Promise<void>((resolve) => this.log.end(() => resolve()));
    })();
    return this.stopping;
  }
}
