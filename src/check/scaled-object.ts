import { parseAllDocuments } from "yaml";
import { ConfigError, errorText } from "../lib/errors.js";

/** The trigger picked from a ScaledObject file, with what a person should know about it. */
export interface ScaledObjectTrigger {
  readonly file: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** Index in spec.triggers: KEDA names the HPA metric `s<index>-<metricName>`. */
  readonly triggerIndex: number;
  readonly triggerType: string;
  /** Values as strings (YAML numbers and booleans are converted, with a note). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly minReplicaCount: number | undefined;
  readonly maxReplicaCount: number | undefined;
  readonly notes: readonly string[];
}

const TYPES = ["external-push", "pulsar"];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** A scalar as text; anything else (a mapping, a list) as "". */
const scalar = (v: unknown): string =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : "";

function scaledObjects(text: string, file: string): Obj[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const found: Obj[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      throw new ConfigError([`${file} is not valid YAML: ${doc.errors.map((e) => e.message).join("; ")}`]);
    }
    const value: unknown = doc.toJS();
    const items = isObj(value) && Array.isArray(value["items"]) ? (value["items"] as unknown[]) : [value];
    for (const item of items) if (isObj(item) && item["kind"] === "ScaledObject") found.push(item);
  }
  return found;
}

function pickObject(objects: Obj[], file: string, name: string | undefined): Obj {
  const nameOf = (o: Obj) => (isObj(o["metadata"]) ? scalar(o["metadata"]["name"]) : "");
  if (objects.length === 0) throw new ConfigError([`${file} holds no document with kind: ScaledObject`]);
  const names = objects.map(nameOf).join(", ");
  if (name !== undefined) {
    const hit = objects.find((o) => nameOf(o) === name);
    if (!hit)
      throw new ConfigError([`${file} has no ScaledObject named ${JSON.stringify(name)} (has: ${names})`]);
    return hit;
  }
  const only = objects.length === 1 ? objects[0] : undefined;
  if (!only)
    throw new ConfigError([
      `${file} holds ${objects.length} ScaledObjects (${names}): pick one with --scaled-object-name`,
    ]);
  return only;
}

function pickTrigger(triggers: Obj[], file: string, index: number | undefined): number {
  const listed = triggers.map((t, i) => `[${i}] type ${scalar(t["type"])}`).join(", ") || "none";
  if (index !== undefined) {
    const t = triggers[index];
    if (!t) throw new ConfigError([`--trigger-index ${index}: ${file} has triggers ${listed}`]);
    if (!TYPES.includes(scalar(t["type"]))) {
      throw new ConfigError([
        `--trigger-index ${index} is a ${scalar(t["type"])} trigger; check reads external-push or pulsar triggers (${listed})`,
      ]);
    }
    return index;
  }
  const usable = triggers.flatMap((t, i) => (TYPES.includes(scalar(t["type"])) ? [i] : []));
  const first = usable[0];
  if (first === undefined)
    throw new ConfigError([`${file} has no external-push or pulsar trigger (triggers: ${listed})`]);
  if (usable.length > 1)
    throw new ConfigError([`${file} has several triggers (${listed}): pick one with --trigger-index`]);
  return first;
}

function replicaCount(spec: Obj, key: string, notes: string[]): number | undefined {
  const v = spec[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  notes.push(`spec.${key} ${JSON.stringify(v)} is not a non-negative integer; ignored`);
  return undefined;
}

function stringValues(raw: unknown, notes: string[]): Record<string, string> {
  if (!isObj(raw)) return {};
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => {
      if (typeof v === "string") return [k, v];
      notes.push(
        `metadata ${k} is ${JSON.stringify(v)} (not a string): quote it, Kubernetes accepts only string values`,
      );
      return [k, scalar(v)];
    }),
  );
}

function triggerNotes(type: string, meta: Record<string, string>, trigger: Obj, notes: string[]): void {
  if (type === "pulsar") {
    notes.push(
      "type: pulsar is KEDA's built-in Pulsar scaler (it polls every pollingInterval). To use pulsar-push-scaler " +
        "set type: external-push and add metadata scalerAddress: <hub service>.<namespace>.svc:9090; the other keys stay as they are",
    );
    if (trigger["authenticationRef"] !== undefined) {
      notes.push(
        "authenticationRef is not forwarded to external scalers: configure Pulsar credentials in the hub (--pulsar-auth ...)",
      );
    }
  } else if (meta["scalerAddress"] === undefined) {
    notes.push(
      "metadata scalerAddress is missing: KEDA needs it to reach the hub (e.g. pulsar-push-scaler.<namespace>.svc:9090)",
    );
  }
  for (const k of Object.keys(meta)) {
    if (k.endsWith("FromEnv")) {
      notes.push(
        `metadata ${k} is resolved by KEDA from the target container's env; pass the value with --metadata ${k.slice(0, -7)}=...`,
      );
    }
  }
}

/**
 * In the file a `<key>FromEnv` value is the name of an env variable of the target container, which
 * KEDA resolves and forwards under the same key (dropped when unresolved). check cannot resolve it,
 * so it drops the key, as KEDA does an unresolved one; `--metadata <key>FromEnv=<value>` gives the
 * value as KEDA would forward it.
 */
function withoutFromEnv(meta: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(meta).filter(([k]) => !k.endsWith("FromEnv")));
}

/**
 * Reads the trigger to check from a ScaledObject YAML text (multi-document, or a `kind: List`).
 * Throws ConfigError when the file does not name one usable trigger.
 */
export function triggerFromScaledObject(
  text: string,
  file: string,
  pick: { name?: string | undefined; triggerIndex?: number | undefined } = {},
): ScaledObjectTrigger {
  let objects: Obj[];
  try {
    objects = scaledObjects(text, file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`${file} cannot be read as YAML: ${errorText(err)}`]);
  }
  const so = pickObject(objects, file, pick.name);
  const meta = isObj(so["metadata"]) ? so["metadata"] : {};
  const spec = isObj(so["spec"]) ? so["spec"] : {};
  const triggers = Array.isArray(spec["triggers"])
    ? spec["triggers"].map((t: unknown) => (isObj(t) ? t : {}))
    : [];
  const index = pickTrigger(triggers, file, pick.triggerIndex);
  const trigger = triggers[index] ?? {};
  const type = scalar(trigger["type"]);
  const notes: string[] = [];
  const metadata = stringValues(trigger["metadata"], notes);
  triggerNotes(type, metadata, trigger, notes);
  return Object.freeze({
    file,
    name: scalar(meta["name"]),
    namespace: typeof meta["namespace"] === "string" ? meta["namespace"] : undefined,
    triggerIndex: index,
    triggerType: type,
    metadata: Object.freeze(withoutFromEnv(metadata)),
    minReplicaCount: replicaCount(spec, "minReplicaCount", notes),
    maxReplicaCount: replicaCount(spec, "maxReplicaCount", notes),
    notes: Object.freeze(notes),
  });
}
