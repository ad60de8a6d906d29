import { readFileSync } from "node:fs";
import { ConfigError } from "../../lib/errors.js";
import type { AuthProvider } from "./provider.js";

/** Reads a PEM file at start-up; an unreadable file is a configuration error (fail fast). */
export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "error";
    throw new ConfigError([`${what} ${JSON.stringify(path)} cannot be read (${code})`]);
  }
}

/** TLS client certificate: no header, the certificate and key go to the cluster's agent. */
export function tlsAuth(certFile: string, keyFile: string): AuthProvider {
  const agentOptions = Object.freeze({
    cert: readPem(certFile, "TLS client certificate"),
    key: readPem(keyFile, "TLS client key"),
  });
  return { kind: "tls", headers: () => Promise.resolve({}), agentOptions };
}
