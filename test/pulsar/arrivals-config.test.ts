import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/lib/config.js";
import { hubSchema } from "../../src/hub/config.js";
import { clustersFromConfig, type ClusterFileIo } from "../../src/pulsar/cluster-schema.js";
import { loadSidecarConfig } from "../../sidecar/config.js";
import { configProblems } from "../support/config-problems.js";

/** A clusters file served from memory at /clusters.yaml. */
const fileIo = (text: string): ClusterFileIo => ({
  exists: (p) => p === "/clusters.yaml" || p === "/ca.pem" || p.startsWith("/tls/"),
  readFile: () => text,
});

/** The clusters of the hub's flags, env and clusters file, checked in one run. */
function clusters(argv: string[], env: NodeJS.ProcessEnv = {}, io: ClusterFileIo = fileIo("[]")) {
  const r = loadConfig(hubSchema, argv, env, (cfg, checks) => clustersFromConfig(cfg, checks, io));
  if (r.help) throw new Error("unexpected help");
  return r.config;
}

const ADMIN = ["--pulsar-admin-url", "http://pulsar:8080"];

void test("service URL and arrivals from flags and env; arrivals default to auto", () => {
  const [plain] = clusters(ADMIN);
  assert.equal(plain?.arrivals, "auto");
  assert.equal(plain?.serviceUrl, undefined);
  const [flags] = clusters([
    ...ADMIN,
    "--pulsar-service-url",
    "pulsar://pulsar-broker:6650/",
    "--pulsar-arrivals",
    "binary",
  ]);
  assert.equal(flags?.serviceUrl, "pulsar://pulsar-broker:6650");
  assert.equal(flags?.arrivals, "binary");
  const [env] = clusters([], {
    PPS_PULSAR_ADMIN_URL: "https://pulsar:8443",
    PPS_PULSAR_SERVICE_URL: "pulsar+ssl://pulsar:6651",
    PPS_PULSAR_ARRIVALS: "websocket",
  });
  assert.equal(env?.serviceUrl, "pulsar+ssl://pulsar:6651");
  assert.equal(env?.arrivals, "websocket");
});

void test("a service URL without a port gets the scheme's default port (as Pulsar's clients do)", () => {
  assert.equal(clusters([...ADMIN, "--pulsar-service-url", "pulsar://b"])[0]?.serviceUrl, "pulsar://b:6650");
  const ssl = clusters([...ADMIN, "--pulsar-service-url", "PULSAR+SSL://[::1]"])[0];
  assert.equal(ssl?.serviceUrl, "pulsar+ssl://[::1]:6651");
});

void test("a bad service URL is one problem naming the input and what is wrong", () => {
  const shape = "expected pulsar://host:6650 or pulsar+ssl://host:6651";
  const rows: Array<[string, string]> = [
    ["http://pulsar:6650", "the scheme must be pulsar or pulsar+ssl"],
    ["pulsar://", "the host is missing"],
    ["pulsar://:6650", 'bad host ":6650"'],
    ["pulsar://b:0", "the port must be an integer in 1..65535"],
    ["pulsar://b:65536", "the port must be an integer in 1..65535"],
    ["pulsar://b:", "the port must be an integer in 1..65535"],
    ["pulsar://b:66x", 'bad host "b:66x"'],
    ["pulsar://a:6650,b:6650", "one host (a list of hosts is not supported)"],
    ["pulsar://u:p@b:6650", "no user in the URL (credentials come from auth)"],
    ["pulsar://b:6650/admin", "nothing after host:port (no path or query)"],
  ];
  for (const [url, why] of rows) {
    const p = configProblems(() => clusters([...ADMIN, "--pulsar-service-url", url]));
    assert.deepEqual(p, [`--pulsar-service-url = ${JSON.stringify(url)}: ${shape}: ${why}`]);
  }
  const env = configProblems(() => clusters(ADMIN, { PPS_PULSAR_SERVICE_URL: "pulsar:6650" }));
  assert.equal(env.length, 1);
  assert.match(env[0] ?? "", /PPS_PULSAR_SERVICE_URL = "pulsar:6650": expected pulsar:\/\/host:6650/);
});

void test("arrivals: an unknown mode, and binary without a service URL, are config errors", () => {
  assert.deepEqual(
    configProblems(() => clusters([...ADMIN, "--pulsar-arrivals", "tcp"])),
    ['--pulsar-arrivals = "tcp": expected one of auto, binary, websocket, off'],
  );
  assert.deepEqual(
    configProblems(() => clusters([...ADMIN, "--pulsar-arrivals", "binary"])),
    [
      'cluster "default" (--pulsar-* flags): arrivals binary needs a service URL (--pulsar-service-url), e.g. pulsar://pulsar-broker:6650',
    ],
  );
  // websocket and off need nothing more, with or without a service URL.
  for (const mode of ["websocket", "off", "auto"]) {
    assert.equal(clusters([...ADMIN, "--pulsar-arrivals", mode])[0]?.arrivals, mode);
  }
});

void test("auth tls over the binary protocol needs pulsar+ssl://", () => {
  const tls = [
    "--pulsar-admin-url",
    "https://pulsar:8443",
    "--pulsar-auth",
    "tls",
    "--pulsar-tls-cert-file",
    "/tls/c.pem",
    "--pulsar-tls-key-file",
    "/tls/k.pem",
  ];
  assert.deepEqual(
    configProblems(() => clusters([...tls, "--pulsar-service-url", "pulsar://pulsar:6650"])),
    [
      'cluster "default" (--pulsar-* flags): auth tls needs a pulsar+ssl:// service URL (--pulsar-service-url)',
    ],
  );
  const [ok] = clusters([...tls, "--pulsar-service-url", "pulsar+ssl://pulsar:6651"]);
  assert.equal(ok?.serviceUrl, "pulsar+ssl://pulsar:6651");
});

void test("service URL and arrivals flags without an admin URL are a problem, as --pulsar-ws-url is", () => {
  for (const argv of [
    ["--pulsar-service-url", "pulsar://b:6650"],
    ["--pulsar-arrivals", "off"],
  ]) {
    const p = configProblems(() => clusters(argv));
    assert.equal(p.length, 1, p.join("\n"));
    assert.match(p[0] ?? "", /are set but --pulsar-admin-url \(PPS_PULSAR_ADMIN_URL\) is not/);
  }
});

void test("clusters file: serviceUrl and arrivals per cluster, checked by the flags' rules", () => {
  const io = fileIo(
    [
      "- {name: east, adminUrl: http://e:8080, serviceUrl: 'pulsar://e:6650'}",
      "- {name: west, adminUrl: http://w:8080, arrivals: off}",
      "- {name: north, adminUrl: http://n:8080, serviceUrl: 'pulsar+ssl://n', arrivals: binary}",
    ].join("\n"),
  );
  const got = clusters(["--clusters-file", "/clusters.yaml"], {}, io);
  assert.deepEqual(
    got.map((c) => [c.name, c.serviceUrl, c.arrivals]),
    [
      ["east", "pulsar://e:6650", "auto"],
      ["west", undefined, "off"],
      ["north", "pulsar+ssl://n:6651", "binary"],
    ],
  );
  const bad = fileIo(
    [
      "- {name: east, adminUrl: http://e:8080, serviceUrl: 'http://e:6650'}",
      "- {name: west, adminUrl: http://w:8080, arrivals: tcp}",
      "- {name: south, adminUrl: http://s:8080, arrivals: binary}",
    ].join("\n"),
  );
  const at = "clusters file /clusters.yaml ";
  assert.deepEqual(
    configProblems(() => clusters(["--clusters-file", "/clusters.yaml"], {}, bad)),
    [
      `${at}[0].serviceUrl = "http://e:6650": expected pulsar://host:6650 or pulsar+ssl://host:6651: the scheme must be pulsar or pulsar+ssl`,
      `${at}[1].arrivals = "tcp": expected one of auto, binary, websocket, off`,
      `${at}[2]: arrivals binary needs a service URL (serviceUrl), e.g. pulsar://pulsar-broker:6650`,
    ],
  );
});

void test("the sidecar takes the same flags for its default cluster", () => {
  const r = loadSidecarConfig(
    [
      ...ADMIN,
      "--pulsar-service-url",
      "pulsar://pulsar:6650",
      "--pulsar-arrivals",
      "binary",
      "--grpc-port",
      "0",
    ],
    {},
  );
  if (r.help) throw new Error("unexpected help");
  const [c] = r.config.clusters;
  assert.equal(c?.serviceUrl, "pulsar://pulsar:6650");
  assert.equal(c?.arrivals, "binary");
  const env = loadSidecarConfig(["--grpc-port", "0"], {
    PPS_PULSAR_ADMIN_URL: "http://pulsar:8080",
    PPS_PULSAR_ARRIVALS: "off",
  });
  if (env.help) throw new Error("unexpected help");
  assert.equal(env.config.clusters[0]?.arrivals, "off");
});
