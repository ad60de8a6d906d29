import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import WebSocket from "ws";
import { packageRoot } from "../../src/lib/package-root.js";
import type { RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";

export type LogLine = Record<string, unknown>;

/**
 * A program of the CLI run as a real process (`node --import tsx src/cli.ts ...`), its JSON log
 * lines collected. `waitForLog` resolves on the first matching line (past or future), so tests wait
 * for events, never for time.
 */
export class CliProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  private stderr = "";

  constructor(
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    this.child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: packageRoot(),
      env: { ...process.env, POD_NAMESPACE: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout! }).on("line", (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (!w.match(line)) continue;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
  }

  /** The first log line matching `match` (a msg text or a predicate), within `timeoutMs`. */
  waitForLog(match: string | ((l: LogLine) => boolean), timeoutMs = 15_000): Promise<LogLine> {
    const pred = typeof match === "string" ? (l: LogLine) => l["msg"] === match : match;
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`${this.name}: no log line ${String(match)} in ${timeoutMs} ms; stderr: ${this.stderr}`),
        );
      }, timeoutMs);
      const done = (l: LogLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ match: pred, resolve: done });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code}; stderr: ${this.stderr.slice(-2000)}`));
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** A hub process on loopback; resolves once it logged "hub ready" (which carries its ports). */
export async function startHub(
  sim: RunningSimulator,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  httpPort = 0,
): Promise<{ proc: CliProcess; grpcPort: number; httpPort: number }> {
  const proc = new CliProcess(
    "hub",
    [
      "hub",
      ...["--grpc-port", "0", "--http-port", String(httpPort), "--grpc-host", "127.0.0.1"],
      ...["--namespaces", "apps", "--pulsar-admin-url", sim.adminUrl, "--shutdown-timeout-ms", "2000"],
      ...extra,
    ],
    env,
  );
  const ready = await proc.waitForLog("hub ready");
  return { proc, grpcPort: ready["grpcPort"] as number, httpPort: ready["httpPort"] as number };
}

/** Creates a subscription on the simulator (from the earliest message). */
export async function createSubscription(sim: RunningSimulator, topic: string, sub: string): Promise<void> {
  await mustAdmin(sim.adminUrl, "PUT", `/admin/v2/persistent/${topic}/subscription/${sub}`);
}

/** Publishes one message through the simulator's WebSocket producer; resolves on the broker's ok. */
export async function publishOverWebSocket(sim: RunningSimulator, topic: string, text = "m"): Promise<void> {
  const ws = new WebSocket(`${sim.wsUrl}/ws/v2/producer/persistent/${topic}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => {
        ws.send(JSON.stringify({ payload: Buffer.from(text).toString("base64"), context: "1" }));
      });
      ws.once("message", (data: Buffer) => {
        const res = JSON.parse(data.toString()) as { result: string; errorMsg?: string };
        if (res.result === "ok") resolve();
        else reject(new Error(`publish failed: ${res.result} ${res.errorMsg ?? ""}`));
      });
    });
  } finally {
    ws.close();
  }
}

/** `GET /metrics` of a hub, as text. */
export async function scrape(httpPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
}

/** The value of one series in Prometheus text (first match), or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
