import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * The hub's NODE_OPTIONS as the Helm chart deploys it (hub.nodeOptions in values.yaml), for the
 * hostile suite (test/hostile/) and the scenarios that judge the hub under the chart's heap caps
 * (footprint, hostile-metadata).
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
