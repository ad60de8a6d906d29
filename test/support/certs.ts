import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

export interface Certs {
  readonly dir: string;
  /** Path of a file in dir: ca.pem, server.pem, server.key, client.pem, client.key. */
  file(name: string): string;
}

/**
 * A CA, a server certificate (127.0.0.1 and localhost) and a client certificate (CN `clientCn`),
 * both signed by the CA, made by the openssl CLI in a fresh temp dir.
 */
export function makeCerts(clientCn = "scaler-role"): Certs {
  const dir = mkdtempSync(`${tmpdir()}/pulsar-sim-tls-`);
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  writeFileSync(`${dir}/server.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const [name, cn] of [
    ["server", "127.0.0.1"],
    ["client", clientCn],
  ] as const) {
    run(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    );
    run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      `${name}.pem`,
      ...(name === "server" ? ["-extfile", "server.ext"] : []),
    );
  }
  return { dir, file: (n) => `${dir}/${n}` };
}
