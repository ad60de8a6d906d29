import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { errorText } from "../lib/errors.js";
import type { ClusterFileIo, ClusterInput, ClusterPlace } from "./cluster-rules.js";
import { AUTH_KIND, CLUSTER_NAME, HTTP_URL, REQUEST_TIMEOUT_MS, TEXT, WS_URL } from "./cluster-values.js";

/** One cluster of the clusters file: the --pulsar-* flags in camelCase, without the token. */
const FILE_CLUSTER = z.strictObject({
  name: CLUSTER_NAME,
  adminUrl: HTTP_URL,
  wsUrl: WS_URL.optional(),
  auth: AUTH_KIND.default("none"),
  tokenFile: TEXT.optional(),
  basicUsername: TEXT.optional(),
  basicPasswordFile: TEXT.optional(),
  tlsCertFile: TEXT.optional(),
  tlsKeyFile: TEXT.optional(),
  caFile: TEXT.optional(),
  oauth2CredentialsFile: TEXT.optional(),
  oauth2IssuerUrl: HTTP_URL.optional(),
  oauth2Audience: TEXT.optional(),
  oauth2Scope: TEXT.optional(),
  requestTimeoutMs: REQUEST_TIMEOUT_MS.optional(),
});
const FILE_KEYS = Object.keys(FILE_CLUSTER.shape);

/** The file: a list of clusters, or `{clusters: [...]}`. */
const FILE = z.union([z.array(z.unknown()), z.object({ clusters: z.array(z.unknown()) })], {
  error: "expected a list of clusters (or {clusters: [...]})",
});

/** What one zod issue of a cluster item says, with its JSON path. */
function itemProblems(issue: z.core.$ZodIssue, item: Record<string, unknown>, at: string): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) =>
      k === "token"
        ? `${at}: token is not accepted in a file; use tokenFile`
        : `${at}: unknown field ${JSON.stringify(k)} (known: ${FILE_KEYS.join(", ")})`,
    );
  }
  const key = String(issue.path[0] ?? "");
  const value = item[key];
  if (value === undefined) return [`${at}.${key} is missing: ${issue.message}`];
  return [`${at}.${key} = ${JSON.stringify(value) ?? typeof value}: ${issue.message}`];
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
  const parsed = FILE.safeParse(doc);
  if (!parsed.success) {
    problems.push(`${file}: ${parsed.error.issues[0]?.message ?? "expected a list of clusters"}`);
    return [];
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.clusters;
  const prefix = Array.isArray(parsed.data) ? "" : "clusters";
  return list.flatMap((raw, i): Array<[ClusterInput, ClusterPlace]> => {
    const at = `${file} ${prefix}[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${at}: expected a mapping of cluster fields`);
      return [];
    }
    // An empty value is an unset one, as an empty env variable is.
    const item = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ""));
    const r = FILE_CLUSTER.safeParse(item);
    if (!r.success) {
      problems.push(...r.error.issues.flatMap((issue) => itemProblems(issue, item, at)));
      return [];
    }
    const input = { ...r.data, requestTimeoutMs: r.data.requestTimeoutMs ?? defaults.requestTimeoutMs };
    return [[input, { where: at, name: (k) => k, tokenHint: "a token file (tokenFile)" }]];
  });
}
