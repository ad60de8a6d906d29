/**
 * Helpers for the chart tests: run the real Helm binary (.tools/helm, put there by
 * `node scripts/fetch-helm.mjs`), parse what it renders, and validate each object with
 * kubernetes-models. A missing Helm binary is an error, never a skip.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CHART = join(ROOT, "helm", "pulsar-push-scaler");
export const ALL_FEATURES = join(ROOT, "test", "helm", "values-all-features.yaml");
export const CONSUMER_FIXTURE = join(ROOT, "test", "helm", "fixtures", "consumer-chart");
export const HELM = join(ROOT, ".tools", "helm");

/** A rendered Kubernetes object, loosely typed: tests read it with the accessors below. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

export interface HelmResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws (failing the test) when the Helm binary is not there: the tests never skip. */
export function assertHelmPresent(): void {
  if (!existsSync(HELM)) {
    throw new Error(`Helm binary missing at ${HELM}: run \`node scripts/fetch-helm.mjs\` first`);
  }
  const r = spawnSync(HELM, ["version", "--short"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(`${HELM} does not run: ${r.error?.message ?? r.stderr}`);
  }
}

export function helm(args: readonly string[]): HelmResult {
  assertHelmPresent();
  const r = spawnSync(HELM, args, {
    encoding: "utf8",
    // Offline and independent of the user's Helm setup.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: tmpdir(),
      HELM_CACHE_HOME: join(tmpdir(), "pps-helm-cache"),
      HELM_CONFIG_HOME: join(tmpdir(), "pps-helm-config"),
      HELM_DATA_HOME: join(tmpdir(), "pps-helm-data"),
      KUBECONFIG: join(tmpdir(), "pps-no-kubeconfig"),
    },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm <args>` that must succeed; returns stdout. */
export function helmOk(args: readonly string[]): string {
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(" ")} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
  readonly chart?: string;
  /**
   * The sidecar token value passed first (later --set and -f win): the chart refuses to render
   * without one (no cluster to look up here). `null` passes none.
   */
  readonly token?: string | null;
}

/** The sidecar token the renders use unless a test says otherwise. */
export const TEST_TOKEN = "test-sidecar-token-0123456789abcdef0123456789ab";

function valueArgs(o: RenderOptions): string[] {
  const token = o.token === undefined ? TEST_TOKEN : o.token;
  // A consumer chart holds this chart as its dependency "pulsar-push-scaler".
  const prefix = o.chart?.endsWith("consumer-chart") === true ? "pulsar-push-scaler." : "";
  return [
    ...(token === null ? [] : ["--set", `${prefix}sidecarToken.value=${token}`]),
    ...(o.valuesFiles ?? []).flatMap((f) => ["-f", f]),
    ...(o.set ?? []).flatMap((s) => ["--set", s]),
  ];
}

/**
 * Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml), where `0444` is octal: parse the same.
 */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors.map((e) => e.message).join("; ")}`);
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue;
    out.push(obj as K8sObject);
  }
  return out;
}

export function parseYamlFile(path: string): K8sObject[] {
  return parseManifests(readFileSync(path, "utf8"));
}

export function parsePlainYaml(text: string): unknown {
  return parseYaml(text, { version: "1.1" });
}

export function template(o: RenderOptions = {}): K8sObject[] {
  const out = helmOk([
    "template",
    o.release ?? "pps",
    o.chart ?? CHART,
    "--namespace",
    o.namespace ?? "team-a",
    ...valueArgs(o),
  ]);
  return parseManifests(out);
}

export function lint(o: RenderOptions = {}): HelmResult {
  return helm([
    "lint",
    "--strict",
    o.chart ?? CHART,
    "--namespace",
    o.namespace ?? "team-a",
    ...valueArgs(o),
  ]);
}

/**
 * NOTES.txt is not printed by `helm template` and `helm install --dry-run` wants a cluster. So a
 * copy of the chart gets NOTES.txt as a named template, rendered into a ConfigMap: the real NOTES
 * text with the real context.
 */
export function renderNotes(o: RenderOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "pps-notes-"));
  try {
    const chart = join(dir, "pulsar-push-scaler");
    cpSync(CHART, chart, { recursive: true });
    const notes = readFileSync(join(chart, "templates", "NOTES.txt"), "utf8");
    writeFileSync(
      join(chart, "templates", "_test_notes.tpl"),
      `{{- define "test.notes" -}}\n${notes}{{- end }}\n`,
    );
    writeFileSync(
      join(chart, "templates", "test-notes.yaml"),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rendered-notes\ndata:\n  notes: {{ include "test.notes" . | quote }}\n',
    );
    const objs = template({ ...o, chart });
    const cm = objs.find((x) => x.kind === "ConfigMap" && x.metadata.name === "rendered-notes");
    if (!cm) throw new Error("rendered-notes ConfigMap missing");
    return (cm as unknown as { data: { notes: string } }).data.notes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Renders test/helm/fixtures/consumer-chart, a user's chart that has this chart as a dependency
 * and adds the sidecar with the named templates. The dependency is copied into charts/ (what
 * `helm dependency build` does for a file:// repository), in a temp dir so the repo stays clean.
 */
export function templateConsumerChart(o: RenderOptions = {}): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), "pps-consumer-"));
  try {
    const chart = join(dir, "consumer-chart");
    cpSync(CONSUMER_FIXTURE, chart, { recursive: true });
    mkdirSync(join(chart, "charts"));
    cpSync(CHART, join(chart, "charts", "pulsar-push-scaler"), { recursive: true });
    const lintResult = lint({ ...o, chart });
    if (lintResult.status !== 0) throw new Error(`lint of the consumer chart failed:\n${lintResult.stdout}`);
    return template({ ...o, chart });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Validator = (obj: K8sObject) => void;

const VALIDATORS: Record<string, Validator> = {
  "v1/ConfigMap": (o) => new ConfigMap(o).validate(),
  "v1/Secret": (o) => new Secret(o).validate(),
  "v1/Service": (o) => new Service(o).validate(),
  "v1/ServiceAccount": (o) => new ServiceAccount(o).validate(),
  "apps/v1/Deployment": (o) => new Deployment(o).validate(),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o).validate(),
  "networking.k8s.io/v1/NetworkPolicy": (o) => new NetworkPolicy(o).validate(),
  "keda.sh/v1alpha1/ScaledObject": (o) => new ScaledObject(o as never).validate(),
  "keda.sh/v1alpha1/TriggerAuthentication": (o) => new TriggerAuthentication(o as never).validate(),
  "monitoring.coreos.com/v1/ServiceMonitor": validateServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": validatePodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": validatePrometheusRule,
};

/** Validates one object against its Kubernetes (or KEDA) schema; unknown kinds are an error. */
export function validateObject(obj: K8sObject): void {
  const id = `${obj.apiVersion}/${obj.kind}`;
  const v = VALIDATORS[id];
  if (!v) throw new Error(`no validator for ${id} (${obj.metadata?.name}): add one to test/helm/render.ts`);
  try {
    v(obj);
  } catch (err) {
    throw new Error(
      `${id} ${obj.metadata.name} is invalid: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** kubernetes-models has no Prometheus Operator CRDs: check the ServiceMonitor's shape by hand. */
function validateServiceMonitor(o: K8sObject): void {
  const problems: string[] = [];
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!o.metadata?.name) problems.push("metadata.name missing");
  if (!spec || typeof spec !== "object") throw new Error("spec missing");
  const sel = spec.selector as { matchLabels?: Record<string, unknown> } | undefined;
  if (!sel?.matchLabels || Object.keys(sel.matchLabels).length === 0)
    problems.push("spec.selector.matchLabels empty");
  for (const v of Object.values(sel?.matchLabels ?? {})) {
    if (typeof v !== "string") problems.push("selector label values must be strings");
  }
  const endpoints = spec.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0) problems.push("spec.endpoints empty");
  const known = new Set([
    "port",
    "targetPort",
    "path",
    "scheme",
    "interval",
    "scrapeTimeout",
    "honorLabels",
    "relabelings",
    "metricRelabelings",
    "tlsConfig",
  ]);
  for (const ep of (endpoints as Record<string, unknown>[] | undefined) ?? []) {
    for (const k of Object.keys(ep)) if (!known.has(k)) problems.push(`unknown endpoint field ${k}`);
    if (typeof ep.port !== "string") problems.push("endpoint.port must be a port name");
    for (const k of ["interval", "scrapeTimeout"]) {
      if (ep[k] !== undefined && (typeof ep[k] !== "string" || !/^(\d+(ms|s|m|h))+$/.test(ep[k])))
        problems.push(`bad duration ${k}`);
    }
  }
  const ns = spec.namespaceSelector as { matchNames?: unknown } | undefined;
  if (ns && !Array.isArray(ns.matchNames)) problems.push("namespaceSelector.matchNames must be a list");
  if (spec.jobLabel !== undefined && typeof spec.jobLabel !== "string")
    problems.push("jobLabel must be a string");
  for (const ep of (endpoints as Record<string, unknown>[] | undefined) ?? []) {
    problems.push(...relabelProblems(ep));
    if (ep.tlsConfig !== undefined && (typeof ep.tlsConfig !== "object" || ep.scheme !== "https"))
      problems.push("tlsConfig wants an object and scheme https");
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/** relabelings / metricRelabelings of an endpoint: lists of objects with known RelabelConfig keys. */
function relabelProblems(ep: Record<string, unknown>): string[] {
  const keys = new Set([
    "sourceLabels",
    "separator",
    "targetLabel",
    "regex",
    "modulus",
    "replacement",
    "action",
  ]);
  const out: string[] = [];
  for (const field of ["relabelings", "metricRelabelings"]) {
    const list = ep[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      out.push(`${field} must be a list`);
      continue;
    }
    for (const r of list as Record<string, unknown>[]) {
      for (const k of Object.keys(r)) if (!keys.has(k)) out.push(`${field}: unknown key ${k}`);
    }
  }
  return out;
}

/** The PodMonitor's shape (monitoring.coreos.com/v1), checked by hand like the ServiceMonitor. */
function validatePodMonitor(o: K8sObject): void {
  const problems: string[] = [];
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== "object") throw new Error("spec missing");
  const sel = spec.selector as { matchLabels?: Record<string, unknown> } | undefined;
  if (!sel?.matchLabels || Object.keys(sel.matchLabels).length === 0)
    problems.push("spec.selector.matchLabels empty");
  const eps = spec.podMetricsEndpoints;
  if (!Array.isArray(eps) || eps.length === 0) problems.push("spec.podMetricsEndpoints empty");
  const known = new Set([
    "port",
    "path",
    "scheme",
    "interval",
    "scrapeTimeout",
    "relabelings",
    "metricRelabelings",
  ]);
  for (const ep of (eps as Record<string, unknown>[] | undefined) ?? []) {
    for (const k of Object.keys(ep)) if (!known.has(k)) problems.push(`unknown endpoint field ${k}`);
    if (typeof ep.port !== "string") problems.push("endpoint.port must be a port name");
    problems.push(...relabelProblems(ep));
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

const PROM_DURATION = /^((\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?|0)$/;

/**
 * The PrometheusRule's shape, after the CRD's openAPIV3Schema (monitoring.coreos.com/v1, Prometheus
 * Operator): no schema package for it is installed here, so this is a structural check by hand.
 * groups: [{name, interval?, rules: [{alert | record, expr, for?, labels?, annotations?}]}].
 */
function validatePrometheusRule(o: K8sObject): void {
  const problems: string[] = [];
  const spec = o.spec as { groups?: unknown } | undefined;
  if (!spec || !Array.isArray(spec.groups) || spec.groups.length === 0) throw new Error("spec.groups empty");
  const groupNames = new Set<string>();
  const stringMap = (v: unknown) =>
    v === undefined ||
    (typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string"));
  for (const g of spec.groups as Record<string, unknown>[]) {
    for (const k of Object.keys(g))
      if (!["name", "interval", "rules", "partial_response_strategy", "limit"].includes(k))
        problems.push(`group: unknown key ${k}`);
    if (typeof g.name !== "string" || g.name === "") problems.push("group.name missing");
    else if (groupNames.has(g.name)) problems.push(`group ${g.name} twice`);
    else groupNames.add(g.name);
    if (!Array.isArray(g.rules)) {
      problems.push(`group ${String(g.name)}: rules must be a list`);
      continue;
    }
    for (const r of g.rules as Record<string, unknown>[]) {
      const id = String(r.alert ?? r.record);
      for (const k of Object.keys(r))
        if (!["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"].includes(k))
          problems.push(`${id}: unknown key ${k}`);
      if ((r.alert === undefined) === (r.record === undefined))
        problems.push(`${id}: exactly one of alert, record`);
      if (typeof r.expr !== "string" || r.expr.trim() === "") problems.push(`${id}: expr must be a string`);
      if (r.for !== undefined && (typeof r.for !== "string" || !PROM_DURATION.test(r.for)))
        problems.push(`${id}: bad for ${JSON.stringify(r.for)}`);
      if (r.record !== undefined && (r.for !== undefined || r.annotations !== undefined))
        problems.push(`${id}: a recording rule has no for/annotations`);
      if (!stringMap(r.labels) || !stringMap(r.annotations))
        problems.push(`${id}: labels/annotations must map to strings`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
}

export function findOne(objs: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${kind}${name ? ` ${name}` : ""}, got ${found.length}`);
  return found[0] as K8sObject;
}

// ---- loose accessors for the pieces of a Deployment the tests read ------------------------------

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}
export interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string };
  emptyDir?: Record<string, unknown>;
  projected?: { sources: { secret: { name: string; items: { key: string; path: string }[] } }[] };
}
export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
}
export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export function podTemplate(deploy: K8sObject): PodTemplate {
  return (deploy as unknown as { spec: { template: PodTemplate } }).spec.template;
}

export function container(deploy: K8sObject, name: string): Container {
  const c = podTemplate(deploy).spec.containers.find((x) => x.name === name);
  if (!c) throw new Error(`container ${name} not found in ${deploy.metadata.name}`);
  return c;
}

export function envOf(c: Container): Map<string, EnvVar> {
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}

/** The volume a container path is mounted from, and the file path inside that volume. */
export function resolveMountedFile(
  pod: PodSpec,
  c: Container,
  file: string,
): { volume: Volume; relPath: string } | undefined {
  for (const m of c.volumeMounts ?? []) {
    const prefix = m.mountPath.endsWith("/") ? m.mountPath : `${m.mountPath}/`;
    if (!file.startsWith(prefix)) continue;
    const volume = (pod.volumes ?? []).find((v) => v.name === m.name);
    if (volume) return { volume, relPath: file.slice(prefix.length) };
  }
  return undefined;
}

/** Every file name a secret/projected/configMap volume exposes (items paths). */
export function volumeFiles(v: Volume): string[] {
  if (v.secret) return (v.secret.items ?? []).map((i) => i.path);
  if (v.projected) return v.projected.sources.flatMap((s) => s.secret.items.map((i) => i.path));
  return [];
}
