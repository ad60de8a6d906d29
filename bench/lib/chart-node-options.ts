import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The hub's NODE_OPTIONS as the Helm chart deploys it (hub.nodeOptions in values.yaml), for the
 * scenarios that judge the hub under the chart's heap caps (footprint, hostile-metadata).
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

/** The hub's memory limit as the chart deploys it (resources.limits.memory in values.yaml), in bytes. */
export function chartMemoryLimitBytes(): number {
  const values = parse(readFileSync(join(ROOT, "helm", "pulsar-push-scaler", "values.yaml"), "utf8")) as {
    resources?: { limits?: { memory?: unknown } };
  };
  const v = values.resources?.limits?.memory;
  const m = typeof v === "string" ? /^(\d+)(Mi|Gi)$/.exec(v) : null;
  if (!m)
    throw new Error(
      `helm/pulsar-push-scaler/values.yaml: resources.limits.memory ${String(v)} is not NNMi or NNGi`,
    );
  return Number(m[1]) * (m[2] === "Gi" ? 1024 ** 3 : 1024 ** 2);
}
