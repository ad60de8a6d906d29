import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as v from "valibot";
import { parse as parseYaml } from "yaml";
import { errorText } from "../lib/errors.js";
import { bearerMatches } from "../contract/bearer.js";
import { LIMITS } from "../contract/limits.js";

/**
 * Which namespaces a sidecar token speaks for. The gateway checks the bearer token on the upgrade
 * (it must be one of the book's) and the hello's namespace against the namespaces of every entry
 * whose token matched: a team's token cannot announce keys for another team.
 */

/** Namespaces a token is valid for: a list, or every namespace the hub serves. */
export type NamespaceScope = "all" | ReadonlySet<string>;

export interface TokenEntry {
  readonly token: string;
  readonly namespaces: NamespaceScope;
}

/** The tokens now (files are read again on every call, so a rotated Secret applies at once). */
export type TokenBook = () => readonly TokenEntry[];

/**
 * The namespaces `header` (an Authorization header) speaks for, or undefined when it matches no
 * token. Every entry is compared (bearerMatches is constant-time), so the time taken does not say
 * which entry matched.
 */
export function scopeOf(
  header: string | undefined,
  entries: readonly TokenEntry[],
): NamespaceScope | undefined {
  let all = false;
  const names = new Set<string>();
  let matched = false;
  for (const e of entries) {
    if (!bearerMatches(header, e.token)) continue;
    matched = true;
    if (e.namespaces === "all") all = true;
    else for (const n of e.namespaces) names.add(n);
  }
  if (!matched) return undefined;
  return all ? "all" : names;
}

export function inScope(scope: NamespaceScope, namespace: string): boolean {
  return scope === "all" || scope.has(namespace);
}

/** A Kubernetes namespace (DNS label) -> the path of a file holding its token. */
const TOKENS_FILE = v.record(
  v.pipe(
    v.string(),
    v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a namespace (DNS label)"),
    v.maxLength(LIMITS.namespaceChars, `expected a namespace of at most ${LIMITS.namespaceChars} chars`),
  ),
  v.pipe(v.string(), v.minLength(1, "expected the path of a token file")),
);

/**
 * The namespace -> token-file map of a tokens file (YAML or JSON: `team-a: /path/to/token`; a
 * relative path is relative to the tokens file's folder). Throws an Error naming the file and the
 * entry, never a token.
 */
export function readTokensFile(path: string): ReadonlyMap<string, string> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`sidecar tokens file ${path} cannot be read as YAML or JSON: ${errorText(err)}`);
  }
  const parsed = v.safeParse(TOKENS_FILE, doc);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const at = issue ? (v.getDotPath(issue) ?? "") : "";
    throw new Error(
      `sidecar tokens file ${path}${at ? ` entry ${JSON.stringify(at)}` : ""}: ${issue?.message ?? "invalid"} (expected namespace: token-file)`,
    );
  }
  const dir = dirname(path);
  return new Map(Object.entries(parsed.output).map(([ns, file]) => [ns, resolve(dir, file)]));
}

/** Reads a token file (trimmed); an empty token is an error (it would match nothing). */
function readToken(file: string, namespace: string): string {
  const token = readFileSync(file, "utf8").trim();
  if (!token) throw new Error(`the token file of namespace ${namespace} (${file}) is empty`);
  return token;
}

export interface TokenSources {
  /** The single token (--sidecar-token-file or PPS_SIDECAR_TOKEN), read on every call. */
  readonly single?: (() => string) | undefined;
  /** The namespaces the single token speaks for: the hub's own (see hubTokenScope). */
  readonly singleScope: NamespaceScope;
  /** --sidecar-tokens-file: read on every call, with every token file it names. */
  readonly tokensFile?: string | undefined;
}

/** The book of both sources; undefined when neither is set (the gateway is off). */
export function tokenBook(src: TokenSources): TokenBook | undefined {
  const { single, singleScope, tokensFile } = src;
  if (!single && tokensFile === undefined) return undefined;
  return () => {
    const out: TokenEntry[] = [];
    if (single) out.push({ token: single(), namespaces: singleScope });
    if (tokensFile !== undefined) {
      for (const [ns, file] of readTokensFile(tokensFile))
        out.push({ token: readToken(file, ns), namespaces: new Set([ns]) });
    }
    return out;
  };
}

/**
 * The hub's own namespace, which the single token speaks for: POD_NAMESPACE, else the namespaces
 * the hub serves (--namespaces; `all` when it serves every namespace).
 */
export function hubTokenScope(
  podNamespace: string | undefined,
  served: readonly string[] | "all",
): NamespaceScope {
  const pod = podNamespace?.trim();
  if (pod) return new Set([pod]);
  return served === "all" ? "all" : new Set(served);
}
