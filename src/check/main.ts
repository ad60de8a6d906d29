import { readFileSync } from "node:fs";
import { systemClock } from "../lib/clock.js";
import { loadConfig, renderHelp } from "../lib/config.js";
import { ConfigError, errorText } from "../lib/errors.js";
import { clustersFromConfig } from "../pulsar/cluster-schema.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { createPulsarAccess } from "../pulsar/index.js";
import { checkOptions, checkSchema, type CheckOptions } from "./config.js";
import { inspect, type InspectInput } from "./inspect.js";
import { renderJson, renderText } from "./render.js";
import { triggerFromScaledObject } from "./scaled-object.js";

const USAGE = "pulsar-push-scaler check (--metadata key=value ... | --scaled-object FILE) [flags]";
const DESCRIPTION =
  "Reads Pulsar once for one trigger and prints what the hub would answer KEDA, and why:\n" +
  "the metric spec, the subscription's backlog, IsActive and the replicas an HPA would ask for,\n" +
  "or the exact error with a hint. Give the same --pulsar-* flags (or env) as the hub.\n" +
  "Exit code: 0 ok, 1 Pulsar or metadata error, 2 bad flags.";

/** Where check writes and what environment it reads (tests pass their own). */
export interface CheckIo {
  readonly out: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const processIo: CheckIo = { out: (t) => process.stdout.write(t), env: process.env };

function readTrigger(
  opts: CheckOptions,
): Pick<InspectInput, "metadata" | "source" | "notes" | "minReplicas" | "maxReplicas"> {
  const base = { minReplicas: opts.minReplicas, maxReplicas: opts.maxReplicas };
  if (opts.scaledObject === undefined) {
    return { ...base, metadata: opts.metadata, source: { kind: "flags" }, notes: [] };
  }
  let text: string;
  try {
    text = readFileSync(opts.scaledObject, "utf8");
  } catch (err) {
    throw new ConfigError([
      `--scaled-object ${JSON.stringify(opts.scaledObject)} cannot be read: ${errorText(err)}`,
    ]);
  }
  const so = triggerFromScaledObject(text, opts.scaledObject, {
    name: opts.scaledObjectName,
    triggerIndex: opts.triggerIndex,
  });
  const overridden = Object.keys(opts.metadata);
  return {
    metadata: { ...so.metadata, ...opts.metadata },
    source: {
      kind: "scaled-object",
      file: so.file,
      name: so.name,
      namespace: so.namespace ?? null,
      triggerIndex: so.triggerIndex,
      triggerType: so.triggerType,
    },
    notes: [...so.notes, ...(overridden.length > 0 ? [`--metadata overrides ${overridden.join(", ")}`] : [])],
    minReplicas: opts.minReplicas ?? so.minReplicaCount,
    maxReplicas: opts.maxReplicas ?? so.maxReplicaCount,
  };
}

/** check's composition root. Resolves to the exit code; ConfigError (exit 2) propagates to the CLI. */
export async function run(argv: readonly string[], io: CheckIo = processIo): Promise<number> {
  const loaded = loadConfig(checkSchema, argv, io.env, (cfg, checks) => {
    const opts = checkOptions(cfg, checks);
    const clusters = clustersFromConfig(cfg, checks);
    return { opts, clusters, trigger: opts && checks.collect(() => readTrigger(opts)) };
  });
  if (loaded.help) {
    io.out(renderHelp(USAGE, DESCRIPTION, checkSchema));
    return 0;
  }
  const { opts, clusters, trigger } = loaded.config;
  // Unreachable: without options or a trigger a problem was reported, and loadConfig threw it.
  if (!opts || !trigger) throw new ConfigError(["no trigger to check"]);

  const report = await inspect(
    { ...trigger, clusters },
    {
      open: (cluster: ClusterConfig) => {
        const access = createPulsarAccess(cluster, { clock: systemClock });
        return { stats: access.stats, arrivals: access.arrivals, close: () => access.close() };
      },
    },
  );
  io.out(opts.json ? renderJson(report) : renderText(report));
  return report.ok ? 0 : 1;
}
