import { existsSync, readFileSync } from "node:fs";
import { errorText } from "../lib/errors.js";
import type { ClusterConfig, PulsarAuth } from "./cluster.js";
import type { ArrivalsMode, AuthKind } from "./cluster-values.js";

/**
 * One cluster as given, each value already checked on its own (by its flag's parser or by the
 * clusters file's schema). The rules between values live here once, for both sources.
 */
export interface ClusterInput {
  readonly name: string;
  readonly adminUrl: string;
  readonly wsUrl?: string | undefined;
  readonly serviceUrl?: string | undefined;
  readonly arrivals: ArrivalsMode;
  readonly auth: AuthKind;
  /** Only from PPS_PULSAR_TOKEN / --pulsar-token, never from a file. */
  readonly token?: string | undefined;
  readonly tokenFile?: string | undefined;
  readonly basicUsername?: string | undefined;
  readonly basicPasswordFile?: string | undefined;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  readonly caFile?: string | undefined;
  readonly oauth2CredentialsFile?: string | undefined;
  readonly oauth2IssuerUrl?: string | undefined;
  readonly oauth2Audience?: string | undefined;
  readonly oauth2Scope?: string | undefined;
  readonly requestTimeoutMs: number;
}

export type ClusterKey = keyof ClusterInput;

/** Where a cluster was given: the prefix of its problems, and what a field is called there. */
export interface ClusterPlace {
  readonly where: string;
  name(key: ClusterKey): string;
  /** How a token can be given there (the clusters file takes only a token file). */
  readonly tokenHint: string;
}

/** File access, injectable for tests. */
export interface ClusterFileIo {
  readFile(path: string): string;
  exists(path: string): boolean;
}

export const realIo: ClusterFileIo = {
  readFile: (p) => readFileSync(p, "utf8"),
  exists: (p) => existsSync(p),
};

function wsFromAdmin(adminUrl: string): string {
  return adminUrl.replace(/^http(s?):/i, (_m, s: string) => `ws${s}:`);
}

/** The cluster, or undefined with its problems appended: auth needs, files that must exist. */
export function buildCluster(
  input: ClusterInput,
  place: ClusterPlace,
  io: ClusterFileIo,
  problems: string[],
): ClusterConfig | undefined {
  const before = problems.length;
  const p = (msg: string) => problems.push(`${place.where}: ${msg}`);
  const file = (k: ClusterKey, what: string): string | undefined => {
    const f = input[k];
    if (typeof f !== "string") return undefined;
    if (!io.exists(f)) p(`${what} ${JSON.stringify(f)} (${place.name(k)}) does not exist`);
    return f;
  };
  const n = (...keys: ClusterKey[]) => keys.map((k) => place.name(k)).join(", ");
  const caFile = file("caFile", "CA file");
  let auth: PulsarAuth = { kind: "none" };
  switch (input.auth) {
    case "none":
      break;
    case "token": {
      const tokenFile = file("tokenFile", "token file");
      if ((tokenFile === undefined) === (input.token === undefined)) p(`auth token needs ${place.tokenHint}`);
      auth =
        tokenFile !== undefined ? { kind: "token", tokenFile } : { kind: "token", token: input.token ?? "" };
      break;
    }
    case "basic": {
      const username = input.basicUsername;
      const passwordFile = file("basicPasswordFile", "password file");
      if (username === undefined || input.basicPasswordFile === undefined) {
        p(`auth basic needs a user name and a password file (${n("basicUsername", "basicPasswordFile")})`);
      }
      let password = "";
      if (passwordFile !== undefined && io.exists(passwordFile)) {
        try {
          password = io.readFile(passwordFile).replace(/\r?\n$/, "");
        } catch (err) {
          p(`password file ${JSON.stringify(passwordFile)} cannot be read: ${errorText(err)}`);
        }
      }
      auth = { kind: "basic", username: username ?? "", password };
      break;
    }
    case "tls": {
      const certFile = file("tlsCertFile", "certificate file");
      const keyFile = file("tlsKeyFile", "key file");
      if (input.tlsCertFile === undefined || input.tlsKeyFile === undefined) {
        p(`auth tls needs a certificate file and a key file (${n("tlsCertFile", "tlsKeyFile")})`);
      }
      if (!input.adminUrl.startsWith("https:")) {
        p(`auth tls needs an https:// admin URL (${n("adminUrl")})`);
      }
      // The client certificate is presented in the TLS handshake: a plain pulsar:// has none.
      if (input.serviceUrl?.startsWith("pulsar:") === true) {
        p(`auth tls needs a pulsar+ssl:// service URL (${n("serviceUrl")})`);
      }
      auth = { kind: "tls", certFile: certFile ?? "", keyFile: keyFile ?? "" };
      break;
    }
    case "oauth2": {
      const credentialsFile = file("oauth2CredentialsFile", "credentials file");
      if (input.oauth2CredentialsFile === undefined) {
        p(`auth oauth2 needs a credentials file (${n("oauth2CredentialsFile")})`);
      }
      const { oauth2IssuerUrl: issuerUrl, oauth2Audience: audience, oauth2Scope: scope } = input;
      auth = {
        kind: "oauth2",
        credentialsFile: credentialsFile ?? "",
        ...(issuerUrl !== undefined && { issuerUrl }),
        ...(audience !== undefined && { audience }),
        ...(scope !== undefined && { scope }),
      };
      break;
    }
  }
  if (input.arrivals === "binary" && input.serviceUrl === undefined) {
    p(`arrivals binary needs a service URL (${n("serviceUrl")}), e.g. pulsar://pulsar-broker:6650`);
  }
  if (problems.length > before) return undefined;
  return Object.freeze({
    name: input.name,
    adminUrl: input.adminUrl,
    wsUrl: input.wsUrl ?? wsFromAdmin(input.adminUrl),
    ...(input.serviceUrl !== undefined && { serviceUrl: input.serviceUrl }),
    arrivals: input.arrivals,
    auth: Object.freeze(auth),
    ...(caFile !== undefined && { caFile }),
    requestTimeoutMs: input.requestTimeoutMs,
  });
}
