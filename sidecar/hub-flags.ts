import { existsSync } from "node:fs";
import type { Checks } from "../src/lib/config.js";
import { LIMITS } from "../src/contract/limits.js";

/**
 * The hub-mode rules of the sidecar's flags (token, TLS files, pod, namespace, keys), over the
 * fields they read (config.ts's SidecarConfig has them all).
 */
export interface HubModeFlags {
  readonly hubUrl: string | undefined;
  readonly hubTokenFile: string | undefined;
  readonly hubToken: string | undefined;
  readonly hubCaFile: string | undefined;
  readonly hubCertFile: string | undefined;
  readonly hubKeyFile: string | undefined;
  readonly podName: string | undefined;
  readonly podNamespace: string | undefined;
  readonly watch: readonly unknown[];
}

/** The sidecar's TLS files for a wss:// hub. */
export interface HubTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export function hubTlsFiles(cfg: HubModeFlags): HubTlsFiles | undefined {
  const { hubCaFile: caFile, hubCertFile: certFile, hubKeyFile: keyFile } = cfg;
  if (caFile === undefined && certFile === undefined) return undefined;
  return {
    ...(caFile !== undefined && { caFile }),
    ...(certFile !== undefined && keyFile !== undefined && { certFile, keyFile }),
  };
}

/** What hub mode needs beyond the common fields. */
export function hubProblems(cfg: HubModeFlags, checks: Checks): string[] {
  const problems: string[] = [];
  if (
    (cfg.hubTokenFile === undefined) === (cfg.hubToken === undefined) &&
    checks.ok("hubTokenFile", "hubToken")
  ) {
    problems.push(
      "hub mode needs exactly one of --hub-token-file (PPS_HUB_TOKEN_FILE) and the token in PPS_HUB_TOKEN",
    );
  }
  for (const [flag, file] of [
    ["--hub-ca-file", cfg.hubCaFile],
    ["--hub-cert-file", cfg.hubCertFile],
    ["--hub-key-file", cfg.hubKeyFile],
  ] as const) {
    if (file !== undefined && !existsSync(file))
      problems.push(`${flag} ${JSON.stringify(file)} does not exist`);
  }
  if ((cfg.hubCertFile === undefined) !== (cfg.hubKeyFile === undefined)) {
    problems.push("--hub-cert-file and --hub-key-file must be set together");
  }
  const tlsGiven = cfg.hubCaFile !== undefined || cfg.hubCertFile !== undefined;
  if (tlsGiven && cfg.hubUrl?.startsWith("wss:") === false) {
    problems.push("--hub-ca-file and --hub-cert-file need a wss:// --hub-url");
  }
  if (cfg.podName === undefined) {
    if (checks.ok("podName")) {
      problems.push("hub mode needs --pod-name (env POD_NAME, from the downward API metadata.name)");
    }
  } else if (cfg.podName.length > LIMITS.podChars) {
    problems.push(`--pod-name must be at most ${LIMITS.podChars} characters`);
  }
  if (cfg.podNamespace === undefined) {
    if (checks.ok("podNamespace")) {
      problems.push(
        "hub mode needs --pod-namespace (env POD_NAMESPACE, from the downward API metadata.namespace)",
      );
    }
  } else if (cfg.podNamespace.length > LIMITS.namespaceChars) {
    problems.push(`--pod-namespace must be at most ${LIMITS.namespaceChars} characters`);
  }
  if (cfg.watch.length === 0 && checks.ok("watch")) {
    problems.push("hub mode needs at least one --watch topic:subscription (PPS_WATCH)");
  }
  return problems;
}
