import { killAll, type Proc } from "../support/programs.js";
import {
  startHub,
  startSidecar,
  startSim,
  type HubOptions,
  type HubProc,
  type SidecarOptions,
  type SimProc,
} from "../support/programs.js";
import { tsxRunner } from "../support/runner.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";

export const TOKEN = "reliability-sidecar-token";

/**
 * Watch timings of the reliability hubs and sidecars: everything fast, so faults show and heal
 * within a second or two. Staleness 1500 ms.
 */
export const FAST = [
  ["--slow-poll-ms", "250"],
  ["--fast-poll-ms", "100"],
  ["--no-arrivals-poll-ms", "250"],
  ["--arrival-debounce-ms", "10"],
  ["--error-backoff-base-ms", "100"],
  ["--error-backoff-max-ms", "400"],
].flat();
export const STALENESS_MS = 1500;

/**
 * The processes and clients of one test file. Everything started through it is stopped by
 * `close()` (call it in `after`), each step on its own.
 */
export class Cluster {
  private readonly runner = tsxRunner();
  private readonly procs = new Set<Proc>();
  private readonly clients = new Set<KedaEmulator>();

  async sim(port = 0): Promise<SimProc> {
    return this.track(await startSim(this.runner, port));
  }

  /** A hub with the FAST timings and a staleness bound of `stalenessMs` (default STALENESS_MS). */
  async hub(o: HubOptions, stalenessMs = STALENESS_MS): Promise<HubProc> {
    return this.track(
      await startHub(this.runner, {
        sidecarToken: TOKEN,
        ...o,
        extraArgs: [...FAST, "--staleness-ms", String(stalenessMs), ...(o.extraArgs ?? [])],
      }),
    );
  }

  async sidecar(o: Omit<SidecarOptions, "hubToken" | "extraArgs">): Promise<Proc> {
    return this.track(await startSidecar(this.runner, { ...o, hubToken: TOKEN, extraArgs: FAST }));
  }

  /** A KEDA emulator that reopens streams quickly (100 ms, backoff up to 400 ms). */
  keda(address: string): KedaEmulator {
    const k = new KedaEmulator({ address, reopenDelayMs: 100, errorBackoffMs: 100, maxBackoffMs: 400 });
    this.clients.add(k);
    return k;
  }

  /** SIGKILL, and forget the process. */
  async kill(p: Proc): Promise<void> {
    await p.kill("SIGKILL");
    this.procs.delete(p);
  }

  async close(): Promise<void> {
    for (const c of this.clients) {
      try {
        c.close();
      } catch {
        /* closed */
      }
    }
    this.clients.clear();
    await killAll(this.procs);
    this.procs.clear();
  }

  private track<P extends Proc>(p: P): P {
    this.procs.add(p);
    return p;
  }
}
