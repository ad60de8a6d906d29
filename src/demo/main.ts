import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KedaEmulator } from "../keda/keda-emulator.js";
import type { Program } from "../lib/child-process.js";
import { loadConfig, renderHelp } from "../lib/config.js";
import { errorText } from "../lib/errors.js";
import { runSteps, type StepLog } from "../lib/shutdown.js";
import { startSimulator } from "../sim/index.js";
import { Autoscaler } from "./autoscaler.js";
import { startHub, startSidecar, type StackSettings } from "./children.js";
import { demoSchema, demoSettings, type DemoConfig } from "./config.js";
import { ConsumerDeployment } from "./deployment.js";
import { LeaseTracker } from "./leases.js";
import { emptyStats, summaryEvent } from "./stats.js";
import { runStory } from "./story.js";
import { createTimeline, type DemoEvent, type Timeline } from "./timeline.js";
import { BurstProducer, ensureSubscription, type TrafficTarget } from "./traffic.js";

const USAGE = "pulsar-push-scaler demo [flags]";
const DESCRIPTION =
  "Runs the Pulsar simulator, a hub, sidecars, a traffic generator, a consumer Deployment and a\n" +
  "KEDA emulator on loopback, and prints what happens: activations pushed, metrics, replicas, leases.";

const NAMESPACE = "demo";
const TARGET = { topic: "persistent://public/default/demo-orders", subscription: "demo-workers" };
/** A lost sidecar's key shows as held by the hub when no other sidecar got it within this. */
const ORPHAN_SETTLE_MS = 1_500;
const STOP_GRACE_MS = 3_000;

interface StopSignal {
  readonly done: Promise<string>;
  /** True once a signal came or `stop` was called (children dying after it are expected). */
  readonly requested: () => boolean;
  readonly stop: (reason: string) => void;
  readonly dispose: () => void;
}

/** Resolves on the first SIGINT or SIGTERM, or when `stop` is called. */
function stopSignal(): StopSignal {
  let resolveDone: (reason: string) => void = () => {};
  let requested = false;
  const done = new Promise<string>((resolve) => (resolveDone = resolve));
  const stop = (reason: string): void => {
    requested = true;
    resolveDone(reason);
  };
  const onSignal = (sig: NodeJS.Signals): void => stop(`received ${sig}`);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    done,
    requested: () => requested,
    stop,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** The demo's composition root: the one place that builds things. */
export async function run(argv: readonly string[]): Promise<number> {
  const parsed = loadConfig(demoSchema, argv, process.env, demoSettings);
  if (parsed.help) {
    process.stdout.write(renderHelp(USAGE, DESCRIPTION, demoSchema));
    return 0;
  }
  const signal = stopSignal();
  let stdoutOpen = true;
  // A closed stdout (`| head`) stops the demo cleanly instead of crashing it.
  process.stdout.on("error", () => {
    stdoutOpen = false;
    signal.stop("stdout closed");
  });
  const timeline = createTimeline({
    json: parsed.config.json,
    now: Date.now,
    write: (line) => {
      if (stdoutOpen) process.stdout.write(line);
    },
  });
  try {
    return await runDemo(parsed.config, timeline, signal);
  } catch (err) {
    // Ctrl-C during startup reaches the children too: their early exit is not a failure.
    if (!signal.requested()) throw err;
    timeline.emit({ type: "stopping", reason: "interrupted during startup" });
    return 0;
  } finally {
    signal.dispose();
  }
}

async function runDemo(cfg: DemoConfig, timeline: Timeline, signal: StopSignal): Promise<number> {
  const startedAt = Date.now();
  // Every event goes to the timeline, then to the story's listeners (story.ts waits on them).
  const listeners = new Set<(e: DemoEvent) => void>();
  const emit = (e: DemoEvent): void => {
    timeline.emit(e);
    for (const l of [...listeners]) l(e);
  };
  const stats = emptyStats();
  const logDir = mkdtempSync(join(tmpdir(), "pps-demo-"));
  const tokenFile = join(logDir, "sidecar-token");
  writeFileSync(tokenFile, randomBytes(24).toString("hex"), { mode: 0o600 });
  const children: Program[] = [];
  const leases = new LeaseTracker();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  let stopping = false;
  let shutdownPromise: Promise<void> | undefined;
  const hooks = {
    onSpawn: (child: Program) => void children.push(child),
    onLog: (name: string, rec: Readonly<Record<string, unknown>>) => {
      const change = leases.onLog(name, rec);
      if (change) emit({ type: "lease", ...change });
    },
    onExit: (name: string, code: number | null, sig: NodeJS.Signals | null) => {
      if (stopping || signal.requested()) return;
      leases.onExit(name);
      emit({ type: "child-exit", name, code, signal: sig });
      later(ORPHAN_SETTLE_MS, () => {
        for (const change of leases.settleOrphans()) emit({ type: "lease", ...change });
      });
    },
  };

  // As a real broker: the WebSocket service off, the binary protocol on.
  const sim = await startSimulator({
    port: cfg.simPort,
    host: "127.0.0.1",
    websocket: false,
    binary: { port: cfg.simBinaryPort },
  });
  const target: TrafficTarget = { adminUrl: sim.adminUrl, control: sim.control, ...TARGET };
  let keda: KedaEmulator | undefined;
  let autoscaler: Autoscaler | undefined;
  const producer = new BurstProducer(target);
  const deployment = new ConsumerDeployment({
    target,
    ackRate: cfg.ackRate,
    onAck: () => stats.acked++,
    onError: (replica, err) => {
      if (!stopping) emit({ type: "problem", source: "consumer", message: `${replica}: ${errorText(err)}` });
    },
  });
  try {
    await ensureSubscription(target);
    const stack: StackSettings = {
      adminUrl: sim.adminUrl,
      serviceUrl: sim.serviceUrl ?? "",
      namespace: NAMESPACE,
      watch: `${TARGET.topic}:${TARGET.subscription}`,
      tokenFile,
      logDir,
      logLevel: cfg.logLevel,
    };
    const hub = await startHub(stack, { grpc: cfg.hubGrpcPort, http: cfg.hubHttpPort }, hooks);
    const names = Array.from({ length: cfg.sidecars }, (_, i) => `demo-${String.fromCharCode(97 + i)}`);
    const sidecars = await Promise.all(names.map((n) => startSidecar(stack, n, hub.httpPort, hooks)));

    keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}` });
    autoscaler = new Autoscaler({
      keda,
      ref: {
        name: "demo-consumer",
        namespace: NAMESPACE,
        scalerMetadata: scalerMetadata(cfg, sim.adminUrl, hub.grpcPort),
      },
      policy: {
        threshold: cfg.threshold,
        minReplicas: cfg.minReplicas,
        maxReplicas: cfg.maxReplicas,
        cooldownMs: cfg.cooldownMs,
      },
      pollMs: cfg.pollMs,
      scaleTo: (n) => deployment.scaleTo(n),
      emit,
      stats,
      now: Date.now,
    });
    await autoscaler.start();

    const readyAt = Date.now();
    timeline.start({
      type: "ready",
      simPort: sim.port,
      serviceUrl: sim.serviceUrl ?? "",
      hubGrpcPort: hub.grpcPort,
      hubHttpPort: hub.httpPort,
      sidecars: names,
      startupMs: readyAt - startedAt,
      logDir,
      statusUrl: `http://127.0.0.1:${hub.httpPort}/status`,
    });

    const scaler = autoscaler;
    const publish = (count: number): void => {
      scaler.burstStarted(Date.now());
      emit({ type: "publish", count });
      producer.burst(count).then(
        ({ sent }) => void (stats.published += sent),
        (err: unknown) => {
          if (!stopping) emit({ type: "problem", source: "publish", message: errorText(err) });
        },
      );
    };
    const killLeaseHolder = (): string | undefined => {
      const name = leases.anySidecarHolder() ?? names[names.length - 1];
      const victim = sidecars.find((c) => c.name === name);
      if (!victim?.isRunning()) return undefined;
      emit({ type: "sidecar-killed", name: victim.name, signal: "SIGKILL" });
      void victim.kill();
      return victim.name;
    };
    let code = 0;
    if (cfg.duration === undefined) {
      const story = await runStory(
        {
          emit,
          events: (l) => (listeners.add(l), () => void listeners.delete(l)),
          publish,
          burstSize: cfg.burstSize,
          killLeaseHolder,
          pulsarDown: () => sim.control.faults({ pathPattern: "/admin/", count: -1, status: 503 }),
          pulsarUp: () => sim.control.reset(),
          stepTimeoutMs: cfg.storyStepTimeoutMs,
          now: Date.now,
        },
        signal.done,
      );
      if (!signal.requested()) {
        code = story.ok ? 0 : 1;
        signal.stop(story.ok ? "the story is told" : "the story stopped");
      }
    } else {
      const burst = (): void => {
        if (stopping) return;
        publish(cfg.burstSize);
        later(cfg.burstEveryMs, burst);
      };
      later(cfg.firstBurstMs, burst);
      if (cfg.killSidecarAt > 0 && sidecars.length > 0) later(cfg.killSidecarAt * 1000, killLeaseHolder);
      if (cfg.duration > 0)
        later(cfg.duration * 1000, () => signal.stop(`duration of ${cfg.duration} s reached`));
    }

    const reason = await signal.done;
    emit({ type: "stopping", reason });
    await shutdown();
    emit(summaryEvent(stats, Date.now() - readyAt));
    return code;
  } finally {
    await shutdown();
  }

  function shutdown(): Promise<void> {
    shutdownPromise ??= stopAll();
    return shutdownPromise;
  }

  /**
   * Written-out order: traffic and KEDA first, then sidecars, then the hub, then the simulator.
   * A failed step is shown on the timeline and the next ones still run (src/lib/shutdown.ts).
   */
  async function stopAll(): Promise<void> {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const log: StepLog = {
      error: ({ err }, msg) =>
        emit({ type: "problem", source: "shutdown", message: `${msg}: ${errorText(err)}` }),
    };
    const stopEach = async (list: readonly Program[]): Promise<void> => {
      await Promise.all(list.map((c) => c.stop(STOP_GRACE_MS)));
    };
    await runSteps(log, [
      ["stopping the autoscaler", () => autoscaler?.stop()],
      ["closing the KEDA client", () => keda?.close()],
      ["stopping the consumers", () => deployment.close()],
      ["stopping the producer", () => producer.close()],
      ["stopping the sidecars", () => stopEach(children.filter((c) => c.name !== "hub"))],
      ["stopping the hub", () => stopEach(children)],
      ["closing the simulator", () => sim.close()],
      // The children are gone: their logs and the token file go with the demo.
      ["removing the temp files", () => rmSync(logDir, { recursive: true, force: true })],
    ]);
  }
}

/** The trigger metadata of the emulated ScaledObject, as KEDA would send it. */
function scalerMetadata(cfg: DemoConfig, adminUrl: string, grpcPort: number): Record<string, string> {
  return {
    scalerAddress: `127.0.0.1:${grpcPort}`,
    adminURL: adminUrl,
    topic: TARGET.topic,
    subscription: TARGET.subscription,
    msgBacklogThreshold: String(cfg.threshold),
    activationMsgBacklogThreshold: "0",
  };
}
