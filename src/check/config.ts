import { bool, int, str, type Parser } from "../lib/config-parsers.js";
import { field, type Checks, type ConfigOf } from "../lib/config.js";
import { clusterSchema } from "../pulsar/cluster-schema.js";

/** `key=value`, the key non-empty; kept as given and split by `checkOptions`. */
const keyValue: Parser<string> = {
  describe: "key=value",
  parse(raw) {
    const eq = raw.indexOf("=");
    if (eq <= 0) throw new Error("expected key=value, such as topic=persistent://public/default/orders");
    return raw;
  },
};

/** The schema of `pulsar-push-scaler check` (env prefix PPS_CHECK_, plus the hub's --pulsar-* flags). */
export const checkSchema = {
  metadata: field({
    flag: "metadata",
    env: "PPS_CHECK_METADATA",
    doc: "one trigger metadata entry, e.g. --metadata topic=public/default/orders; overrides the ScaledObject's",
    parser: keyValue,
    default: undefined,
    repeatable: true,
  }),
  scaledObject: field({
    flag: "scaled-object",
    env: "PPS_CHECK_SCALED_OBJECT",
    doc: "ScaledObject YAML file (may hold several documents) whose external-push or pulsar trigger is checked",
    parser: str,
    default: undefined,
  }),
  scaledObjectName: field({
    flag: "scaled-object-name",
    env: "PPS_CHECK_SCALED_OBJECT_NAME",
    doc: "which ScaledObject of the file, when it holds several",
    parser: str,
    default: undefined,
  }),
  triggerIndex: field({
    flag: "trigger-index",
    env: "PPS_CHECK_TRIGGER_INDEX",
    doc: "index in spec.triggers of the trigger to check, when the ScaledObject has several",
    parser: int(0, 1000),
    default: undefined,
  }),
  minReplicas: field({
    flag: "min-replicas",
    env: "PPS_CHECK_MIN_REPLICAS",
    doc: "minReplicaCount used for the replica estimate (default: the ScaledObject's, else 0)",
    parser: int(0, 100_000),
    default: undefined,
  }),
  maxReplicas: field({
    flag: "max-replicas",
    env: "PPS_CHECK_MAX_REPLICAS",
    doc: "maxReplicaCount used for the replica estimate (default: the ScaledObject's, else 100)",
    parser: int(1, 100_000),
    default: undefined,
  }),
  json: field({
    flag: "json",
    env: "PPS_CHECK_JSON",
    doc: "print one JSON object instead of text",
    parser: bool,
    default: false,
    switch: true,
  }),
  ...clusterSchema,
};

export type CheckConfig = ConfigOf<typeof checkSchema>;

/** What check was asked to do, typed and checked across fields. */
export interface CheckOptions {
  /** From --metadata, in order; later entries win. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly scaledObject: string | undefined;
  readonly scaledObjectName: string | undefined;
  readonly triggerIndex: number | undefined;
  readonly minReplicas: number | undefined;
  readonly maxReplicas: number | undefined;
  readonly json: boolean;
}

/** The rules between check's values; their problems go to `checks` (then undefined comes back). */
export function checkOptions(cfg: CheckConfig, checks: Checks): CheckOptions | undefined {
  // ConfigOf cannot see `repeatable`/optional through field(); the runtime values are these.
  const entries = (cfg.metadata as unknown as readonly string[] | undefined) ?? [];
  const scaledObject = cfg.scaledObject as string | undefined;
  const triggerIndex = cfg.triggerIndex as number | undefined;
  const minReplicas = cfg.minReplicas as number | undefined;
  const maxReplicas = cfg.maxReplicas as number | undefined;
  const scaledObjectName = cfg.scaledObjectName as string | undefined;
  const problems: string[] = [];
  if (entries.length === 0 && scaledObject === undefined && checks.ok("metadata", "scaledObject")) {
    problems.push("give the trigger with --metadata key=value (repeatable) or --scaled-object FILE");
  }
  if (scaledObject === undefined && triggerIndex !== undefined) {
    problems.push("--trigger-index needs --scaled-object");
  }
  if (scaledObject === undefined && scaledObjectName !== undefined) {
    problems.push("--scaled-object-name needs --scaled-object");
  }
  if (minReplicas !== undefined && maxReplicas !== undefined && minReplicas > maxReplicas) {
    problems.push(`--min-replicas ${minReplicas} is above --max-replicas ${maxReplicas}`);
  }
  for (const p of problems) checks.problem(p);
  if (problems.length > 0 || !checks.ok("metadata")) return undefined;
  // fromEntries defines own properties, so a key such as __proto__ stays a plain key.
  const metadata = Object.fromEntries(
    entries.map((entry) => {
      const eq = entry.indexOf("=");
      return [entry.slice(0, eq).trim(), entry.slice(eq + 1)] as const;
    }),
  );
  return Object.freeze({
    metadata: Object.freeze(metadata),
    scaledObject,
    scaledObjectName,
    triggerIndex,
    minReplicas,
    maxReplicas,
    json: cfg.json,
  });
}
