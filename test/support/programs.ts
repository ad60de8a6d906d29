import { startProgram, type LogRecord, type ReadyProgram } from "../../src/lib/child-process.js";
import { SimControl } from "../../src/sim/control.js";
import type { Runner } from "./runner.js";

/**
 * Starting the project's programs as child processes on loopback, waiting for their ready lines,
 * for the process tests and the benchmarks (through src/lib/child-process.ts, the demo's launcher).
 */

/** A started program of a test or a benchmark. */
export type Proc = ReadyProgram;

export interface ProcOptions {
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

/** Runs `file` with the runner (compiled or tsx) and waits for its ready line. */
export function startProc(runner: Runner, o: ProcOptions): Promise<Proc> {
  return startProgram({
    name: o.name,
    argv: runner.argv(o.file, o.args),
    env: { ...process.env, POD_NAMESPACE: "", ...o.env },
    ready: o.ready,
    readyTimeoutMs: o.readyTimeoutMs,
    keepLines: o.keepLines,
  });
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

export const CLI = "src/cli.ts";

export interface SimProc extends Proc {
  readonly port: number;
  readonly adminUrl: string;
  readonly wsUrl: string;
  /** `pulsar://127.0.0.1:PORT` of the binary endpoint. */
  readonly serviceUrl: string;
  readonly control: SimControl;
}

/** `pulsar-push-scaler sim` on `port` (0 = any free port); `extraArgs` e.g. `--websocket off`. */
export async function startSim(
  runner: Runner,
  port = 0,
  logLevel = "info",
  extraArgs: readonly string[] = [],
): Promise<SimProc> {
  const p = await startProc(runner, {
    name: "sim",
    file: CLI,
    // A free binary port too: parallel tests must not race for 6650.
    args: [
      "sim",
      "--port",
      String(port),
      "--binary-port",
      "0",
      "--host",
      "127.0.0.1",
      "--log-level",
      logLevel,
      ...extraArgs,
    ],
    ready: (r) => r["msg"] === "simulator ready",
  });
  const adminUrl = String(p.readyRecord["adminUrl"]);
  return {
    ...p,
    adminUrl,
    wsUrl: String(p.readyRecord["wsUrl"]),
    serviceUrl: String(p.readyRecord["serviceUrl"]),
    control: new SimControl(adminUrl),
    port: Number(new URL(adminUrl).port),
  };
}

export interface HubOptions {
  readonly adminUrl: string;
  readonly wsUrl?: string;
  readonly grpcPort?: number;
  readonly httpPort?: number;
  /** Token sidecars must present (PPS_SIDECAR_TOKEN). */
  readonly sidecarToken?: string;
  /** Further flags, e.g. watch timings. */
  readonly extraArgs?: readonly string[];
  readonly logLevel?: string;
  /** Extra environment, e.g. NODE_OPTIONS. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface HubProc extends Proc {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly grpcAddress: string;
  /** ws://127.0.0.1:<httpPort>/v1/sidecars */
  readonly sidecarUrl: string;
}

export function hubArgs(o: HubOptions): string[] {
  return [
    "hub",
    "--grpc-host",
    "127.0.0.1",
    "--grpc-port",
    String(o.grpcPort ?? 0),
    "--http-port",
    String(o.httpPort ?? 0),
    "--namespaces",
    "all",
    "--log-level",
    o.logLevel ?? "info",
    "--pulsar-admin-url",
    o.adminUrl,
    ...(o.wsUrl !== undefined ? ["--pulsar-ws-url", o.wsUrl] : []),
    "--shutdown-timeout-ms",
    "2000",
    ...(o.extraArgs ?? []),
  ];
}

export async function startHub(runner: Runner, o: HubOptions): Promise<HubProc> {
  const p = await startProc(runner, {
    name: "hub",
    file: CLI,
    args: hubArgs(o),
    env: { ...o.env, ...(o.sidecarToken !== undefined ? { PPS_SIDECAR_TOKEN: o.sidecarToken } : {}) },
    ready: (r) => r["msg"] === "hub ready",
  });
  const grpcPort = Number(p.readyRecord["grpcPort"]);
  const httpPort = Number(p.readyRecord["httpPort"]);
  return {
    ...p,
    grpcPort,
    httpPort,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    sidecarUrl: `ws://127.0.0.1:${httpPort}/v1/sidecars`,
  };
}

export interface SidecarOptions {
  readonly hubUrl: string;
  readonly hubToken: string;
  readonly pod: string;
  readonly adminUrl: string;
  readonly wsUrl?: string;
  /** `topic:subscription` pairs. */
  readonly watch: readonly string[];
  readonly extraArgs?: readonly string[];
  readonly logLevel?: string;
}

/** The ready line of a sidecar in hub mode: its first welcome from the hub. */
export function sidecarReady(r: Record<string, unknown>): boolean {
  const msg = typeof r["msg"] === "string" ? r["msg"] : "";
  return /sidecar ready|connected to hub|welcome/i.test(msg);
}

export async function startSidecar(runner: Runner, o: SidecarOptions): Promise<Proc> {
  return await startProc(runner, {
    name: `sidecar ${o.pod}`,
    file: CLI,
    args: [
      "sidecar",
      "--hub-url",
      o.hubUrl,
      "--http-port",
      "0",
      "--listen-host",
      "127.0.0.1",
      "--pod-name",
      o.pod,
      "--log-level",
      o.logLevel ?? "info",
      "--pulsar-admin-url",
      o.adminUrl,
      ...(o.wsUrl !== undefined ? ["--pulsar-ws-url", o.wsUrl] : []),
      ...o.watch.flatMap((w) => ["--watch", w]),
      ...(o.extraArgs ?? []),
    ],
    env: { PPS_HUB_TOKEN: o.hubToken, POD_NAMESPACE: "bench" },
    ready: sidecarReady,
  });
}

export interface BaselineProc extends Proc {
  readonly grpcAddress: string;
}

/** A baseline ExternalScaler (bench/baseline/serve.ts) as a child process. */
export async function startBaseline(runner: Runner, kind: "constant" | "polling"): Promise<BaselineProc> {
  const p = await startProc(runner, {
    name: `baseline ${kind}`,
    file: "bench/baseline/serve.ts",
    args: [kind, "0"],
    ready: (r) => r["msg"] === "baseline ready",
  });
  return { ...p, grpcAddress: `127.0.0.1:${Number(p.readyRecord["port"])}` };
}
