import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { errorText } from "../lib/errors.js";
import type { ClusterFileIo, ClusterInput, ClusterPlace } from "./cluster-rules.js";
import {
  ARRIVALS,
  AUTH_KIND,
  CLUSTER_NAME,
  HTTP_URL,
  REQUEST_TIMEOUT_MS,
  SERVICE_URL,
  TEXT,
  WS_URL,
} from "./cluster-values.js";

/** One cluster of the clusters file: the --pulsar-* flags in camelCase, without the token. */
const FILE_FIELDS = {
  name: CLUSTER_NAME,
  adminUrl: HTTP_URL,
  wsUrl: v.optional(WS_URL),
  serviceUrl: v.optional(SERVICE_URL),
  arrivals: v.optional(ARRIVALS, "auto"),
  auth: v.optional(AUTH_KIND, "none"),
  tokenFile: v.optional(TEXT),
  basicUsername: v.optional(TEXT),
  basicPasswordFile: v.optional(TEXT),
  tlsCertFile: v.optional(TEXT),
  tlsKeyFile: v.optional(TEXT),
  caFile: v.optional(TEXT),
  oauth2CredentialsFile: v.optional(TEXT),
  oauth2IssuerUrl: v.optional(HTTP_URL),
  oauth2Audience: v.optional(TEXT),
  oauth2Scope: v.optional(TEXT),
  requestTimeoutMs: v.optional(REQUEST_TIMEOUT_MS),
};
type FileField = keyof typeof FILE_FIELDS;
/** Unknown fields are reported by unknownFields (all of them; a strict object stops at the first). */
const FILE_CLUSTER = v.object(FILE_FIELDS);
const FILE_KEYS = Object.keys(FILE_FIELDS);
const isField = (k: string): k is FileField => Object.hasOwn(FILE_FIELDS, k);

/** The file: a list of clusters, or `{clusters: [...]}`. */
const FILE = v.union(
  [v.array(v.unknown()), v.object({ clusters: v.array(v.unknown()) })],
  "expected a list of clusters (or {clusters: [...]})",
);

/** The fields of a cluster item that the file does not know, each with what to do instead. */
function unknownFields(item: Record<string, unknown>, at: string): string[] {
  return Object.keys(item)
    .filter((k) => !isField(k))
    .map((k) =>
      k === "token"
        ? `${at}: token is not accepted in a file; use tokenFile`
        : `${at}: unknown field ${JSON.stringify(k)} (known: ${FILE_KEYS.join(", ")})`,
    );
}

/** What one valibot issue of a cluster item says, with its JSON path. */
function itemProblem(issue: v.BaseIssue<unknown>, item: Record<string, unknown>, at: string): string {
  const key = v.getDotPath(issue) ?? ""; // the field: every field is a scalar
  const value = item[key];
  if (value === undefined) {
    // valibot reports a missing field with the object's message; the field's own rule says what
    // is expected.
    const message = isField(key) ? v.safeParse(FILE_FIELDS[key], undefined).issues?.[0]?.message : undefined;
    return `${at}.${key} is missing: ${message ?? issue.message}`;
  }
  return `${at}.${key} = ${JSON.stringify(value) ?? typeof value}: ${issue.message}`;
}

/**
 * The clusters of the file at `path`, each checked by FILE_CLUSTER; every bad value is appended to
 * `problems` as `clusters file PATH [i].field = value: expected ...`. Good items come back with
 * the place their cross-field problems are reported at.
 */
export function clustersFileInputs(
  path: string,
  io: ClusterFileIo,
  defaults: { requestTimeoutMs: number },
  problems: string[],
): Array<[ClusterInput, ClusterPlace]> {
  const file = `clusters file ${path}`;
  let doc: unknown;
  try {
    doc = parseYaml(io.readFile(path));
  } catch (err) {
    problems.push(`${file} cannot be read as YAML or JSON: ${errorText(err)}`);
    return [];
  }
  const parsed = v.safeParse(FILE, doc);
  if (!parsed.success) {
    problems.push(`${file}: ${parsed.issues[0]?.message ?? "expected a list of clusters"}`);
    return [];
  }
  const list = Array.isArray(parsed.output) ? parsed.output : parsed.output.clusters;
  const prefix = Array.isArray(parsed.output) ? "" : "clusters";
  return list.flatMap((raw, i): Array<[ClusterInput, ClusterPlace]> => {
    const at = `${file} ${prefix}[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${at}: expected a mapping of cluster fields`);
      return [];
    }
    // An empty value is an unset one, as an empty env variable is.
    const item = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ""));
    const r = v.safeParse(FILE_CLUSTER, item);
    const unknown = unknownFields(item, at);
    if (!r.success || unknown.length > 0) {
      problems.push(...(r.issues ?? []).map((issue) => itemProblem(issue, item, at)), ...unknown);
      return [];
    }
    const input = { ...r.output, requestTimeoutMs: r.output.requestTimeoutMs ?? defaults.requestTimeoutMs };
    return [[input, { where: at, name: (k) => k, tokenHint: "a token file (tokenFile)" }]];
  });
}
