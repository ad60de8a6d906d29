import { bool, int } from "../lib/config-parsers.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import { logLevelField } from "../lib/logger.js";

const PORT = int(0, 65535);
const MS = int(0, 86_400_000);

/** The demo's configuration schema (env prefix PPS_DEMO_). */
export const demoSchema = {
  duration: field({
    flag: "duration",
    env: "PPS_DEMO_DURATION",
    doc: "run the burst loop for this many seconds, then print a summary (0 runs until Ctrl-C); unset: the narrated story (about 15 s), then a summary",
    parser: int(0, 86_400),
    default: undefined,
  }),
  storyStepTimeoutMs: field({
    flag: "story-step-timeout-ms",
    env: "PPS_DEMO_STORY_STEP_TIMEOUT_MS",
    doc: "how long a chapter of the story waits for what it shows before the demo fails (exit 1)",
    parser: MS,
    default: 20_000,
  }),
  json: field({
    flag: "json",
    env: "PPS_DEMO_JSON",
    doc: "print one JSON object per event instead of the readable timeline",
    parser: bool,
    default: false,
    switch: true,
  }),
  simPort: field({
    flag: "sim-port",
    env: "PPS_DEMO_SIM_PORT",
    doc: "port of the in-process Pulsar simulator (0 picks a free port)",
    parser: PORT,
    default: 0,
  }),
  simBinaryPort: field({
    flag: "sim-binary-port",
    env: "PPS_DEMO_SIM_BINARY_PORT",
    doc: "port of the simulator's binary protocol, where the hub and sidecars get arrivals (0 picks a free port)",
    parser: PORT,
    default: 0,
  }),
  hubGrpcPort: field({
    flag: "hub-grpc-port",
    env: "PPS_DEMO_HUB_GRPC_PORT",
    doc: "gRPC port of the hub child process (0 picks a free port)",
    parser: PORT,
    default: 0,
  }),
  hubHttpPort: field({
    flag: "hub-http-port",
    env: "PPS_DEMO_HUB_HTTP_PORT",
    doc: "HTTP port of the hub child process (sidecars connect here; 0 picks a free port)",
    parser: PORT,
    default: 0,
  }),
  sidecars: field({
    flag: "sidecars",
    env: "PPS_DEMO_SIDECARS",
    doc: "how many sidecar child processes announce the demo subscription",
    parser: int(0, 8),
    default: 2,
  }),
  burstSize: field({
    flag: "burst-size",
    env: "PPS_DEMO_BURST_SIZE",
    doc: "messages per burst, published through the simulator's control API (its WebSocket service is off)",
    parser: int(1, 100_000),
    default: 30,
  }),
  firstBurstMs: field({
    flag: "first-burst-ms",
    env: "PPS_DEMO_FIRST_BURST_MS",
    doc: "delay from ready to the first burst, in ms",
    parser: MS,
    default: 500,
  }),
  burstEveryMs: field({
    flag: "burst-every-ms",
    env: "PPS_DEMO_BURST_EVERY_MS",
    doc: "time from one burst to the next (the idle gap lets the consumer scale back to zero), in ms",
    parser: int(100, 86_400_000),
    default: 9_000,
  }),
  ackRate: field({
    flag: "ack-rate",
    env: "PPS_DEMO_ACK_RATE",
    doc: "messages each consumer replica acknowledges per second",
    parser: int(1, 10_000),
    default: 10,
  }),
  threshold: field({
    flag: "threshold",
    env: "PPS_DEMO_THRESHOLD",
    doc: "msgBacklogThreshold of the trigger: target backlog per replica",
    parser: int(1, 1_000_000),
    default: 10,
  }),
  minReplicas: field({
    flag: "min-replicas",
    env: "PPS_DEMO_MIN_REPLICAS",
    doc: "minReplicaCount of the emulated ScaledObject",
    parser: int(0, 1000),
    default: 0,
  }),
  maxReplicas: field({
    flag: "max-replicas",
    env: "PPS_DEMO_MAX_REPLICAS",
    doc: "maxReplicaCount of the emulated ScaledObject",
    parser: int(1, 1000),
    default: 10,
  }),
  pollMs: field({
    flag: "poll-ms",
    env: "PPS_DEMO_POLL_MS",
    doc: "KEDA polling interval of the emulator (GetMetricSpec, GetMetrics, IsActive), in ms",
    parser: int(100, 600_000),
    default: 1_000,
  }),
  cooldownMs: field({
    flag: "cooldown-ms",
    env: "PPS_DEMO_COOLDOWN_MS",
    doc: "KEDA cooldownPeriod of the emulator: inactive this long before scaling to zero, in ms",
    parser: MS,
    default: 2_000,
  }),
  killSidecarAt: field({
    flag: "kill-sidecar-at",
    env: "PPS_DEMO_KILL_SIDECAR_AT",
    doc: "seconds after ready to SIGKILL the sidecar holding the lease, to show failover (0: never)",
    parser: int(0, 86_400),
    default: 7,
  }),
  logLevel: logLevelField(
    "PPS_DEMO_LOG_LEVEL",
    "log level of the hub and sidecar child processes (their logs go to a file)",
  ),
};

export type DemoConfig = ConfigOf<typeof demoSchema>;

/** The rules between the demo's values, in the run that parsed them (problems go to `checks`). */
export function demoSettings(cfg: DemoConfig, checks: Checks): DemoConfig {
  if (checks.ok("minReplicas", "maxReplicas") && cfg.maxReplicas < Math.max(1, cfg.minReplicas)) {
    checks.problem(`--max-replicas = ${cfg.maxReplicas}: expected >= --min-replicas and >= 1`);
  }
  return cfg;
}
