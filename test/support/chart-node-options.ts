import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The hub's NODE_OPTIONS as the Helm chart deploys it (hub.nodeOptions in values.yaml), for the
 * hostile suite (test/hostile/) and the scenarios that judge the hub under the chart's heap caps
 * (footprint, hostile-metadata, hostile-attacks).
 */
export function chartNodeOptions(): string {
  const values = parse(readFileSync(join(ROOT, "helm", "pulsar-push-scaler", "values.yaml"), "utf8")) as {
    hub?: { nodeOptions?: unknown };
  };
  const v = values.hub?.nodeOptions;
  if (typeof v !== "string")
    throw new Error("helm/pulsar-push-scaler/values.yaml: hub.nodeOptions is not a string");
  return v;
}

/** The hub's resources.limits.memory in values.yaml, in bytes (Ki, Mi and Gi suffixes). */
export function chartMemoryLimitBytes(): number {
  const values = parse(readFileSync(join(ROOT, "helm", "pulsar-push-scaler", "values.yaml"), "utf8")) as {
    resources?: { limits?: { memory?: unknown } };
  };
  const raw = values.resources?.limits?.memory;
  const v = typeof raw === "string" ? raw : "";
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(v);
  if (!m)
    throw new Error(`helm/pulsar-push-scaler/values.yaml: resources.limits.memory ${v} is not n(Ki|Mi|Gi)`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as "Ki" | "Mi" | "Gi"];
  return Number(m[1]) * unit;
}
