// Writes src/keda/generated/ from proto/externalscaler.proto with proto-loader-gen-types, using the
// flags that match PROTO_LOADER_OPTIONS in src/keda/proto.ts, and src/pulsar/binary/generated/
// from proto/pulsar/pulsar-api.proto (scripts/pulsar-proto-types.mjs). With --check (run by
// `npm run lint`) it generates into a temporary folder and fails when the checked-in files differ:
// the generated types are never edited by hand.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { pulsarApiTypes } from "./pulsar-proto-types.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "src/keda/generated");
const pulsarTarget = join(root, "src/pulsar/binary/generated");
const PULSAR_FILE = "pulsar-api.ts";
const FLAGS = [
  "--keepCase",
  "--longs=Number",
  "--enums=String",
  "--defaults",
  "--oneofs",
  "--includeComments",
  "--grpcLib=@grpc/grpc-js",
  "--importFileExtension=.js",
  "-I",
  "proto",
];

function generate(outDir) {
  const bin = join(root, "node_modules/.bin/proto-loader-gen-types");
  execFileSync(bin, [...FLAGS, "-O", outDir, "externalscaler.proto"], { cwd: root, stdio: "inherit" });
}

function generatePulsar(outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, PULSAR_FILE), pulsarApiTypes(join(root, "proto/pulsar/pulsar-api.proto")));
}

/** Every file under `dir`, as paths relative to it, sorted. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function check() {
  const fresh = mkdtempSync(join(tmpdir(), "pps-proto-types-"));
  try {
    generate(fresh);
    const want = files(fresh);
    const have = files(target);
    const same = (f) => readFileSync(join(fresh, f), "utf8") === readFileSync(join(target, f), "utf8");
    const pulsar = join(pulsarTarget, PULSAR_FILE);
    const pulsarText = pulsarApiTypes(join(root, "proto/pulsar/pulsar-api.proto"));
    const pulsarSame =
      existsSync(pulsar) &&
      readdirSync(pulsarTarget).join() === PULSAR_FILE &&
      readFileSync(pulsar, "utf8") === pulsarText;
    return [
      ...want.filter((f) => !have.includes(f)).map((f) => `missing: src/keda/generated/${f}`),
      ...have.filter((f) => !want.includes(f)).map((f) => `not generated: src/keda/generated/${f}`),
      ...want.filter((f) => have.includes(f) && !same(f)).map((f) => `out of date: src/keda/generated/${f}`),
      ...(pulsarSame
        ? []
        : [`out of date: src/pulsar/binary/generated/ (only ${PULSAR_FILE}, as generated)`]),
    ];
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (process.argv.includes("--check")) {
  const problems = check();
  if (problems.length > 0) {
    const hint = "generated types do not match proto/: run `npm run gen:proto`";
    process.stderr.write(`${problems.join("\n")}\n${hint}\n`);
    process.exitCode = 1;
  }
} else {
  rmSync(target, { recursive: true, force: true });
  generate(target);
  rmSync(pulsarTarget, { recursive: true, force: true });
  generatePulsar(pulsarTarget);
}
