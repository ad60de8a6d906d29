import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderTable, type ScenarioResult } from "./lib/report.js";
import { compiledRunner, tsxRunner } from "../test/support/runner.js";
import type { Scenario, ScenarioContext } from "./lib/scenario.js";
import { SCENARIOS } from "./scenarios/index.js";

/**
 * `npm run bench [-- --only NAME[,NAME]] [--quick] [--soak SECONDS] [--hostile] [--tsx]`: runs the
 * scenarios one after the other, prints the table and writes bench/results.json (`--hostile`: the
 * attack scenarios only, into bench/results-hostile.json).
 */
interface Args {
  readonly only: readonly string[] | undefined;
  readonly quick: boolean;
  readonly soakSeconds: number | undefined;
  readonly hostile: boolean;
  readonly tsx: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let only: string[] | undefined;
  let quick = false;
  let soak: number | undefined;
  let tsx = false;
  let hostile = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") only = (argv[++i] ?? "").split(",").filter((s) => s !== "");
    else if (a === "--quick") quick = true;
    else if (a === "--tsx") tsx = true;
    else if (a === "--hostile") hostile = true;
    else if (a === "--soak") soak = Number(argv[++i] ?? "600");
    else
      throw new Error(
        `unknown argument ${a ?? ""} (use --only NAME, --quick, --soak SECONDS, --hostile, --tsx)`,
      );
  }
  if (soak !== undefined && (!Number.isFinite(soak) || soak <= 0))
    throw new Error("--soak needs seconds > 0");
  return { only, quick, soakSeconds: soak, hostile, tsx };
}

function selected(args: Args): Scenario[] {
  if (args.only) {
    const unknown = args.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new Error(
        `unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`,
      );
    }
    return SCENARIOS.filter((s) => args.only?.includes(s.name));
  }
  if (args.hostile) return SCENARIOS.filter((s) => s.hostile === true);
  if (args.soakSeconds !== undefined) return SCENARIOS.filter((s) => s.name === "soak");
  return SCENARIOS.filter((s) => s.inDefault);
}

function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    nproc: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const scenarios = selected(args);
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const runner = args.tsx ? tsxRunner() : await compiledRunner();
  log(`processes run ${runner.kind === "compiled" ? "as JS transpiled by esbuild" : "under tsx"}`);
  const ctx: ScenarioContext = { runner, quick: args.quick, soakSeconds: args.soakSeconds ?? 600, log };
  const results: ScenarioResult[] = [];
  const started = Date.now();
  try {
    for (const s of scenarios) {
      log(`${s.name}: ${s.title}`);
      const t0 = Date.now();
      try {
        const out = await s.run(ctx);
        results.push({ name: s.name, title: s.title, durationMs: Date.now() - t0, ...out });
      } catch (err) {
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${s.name} failed: ${error}`);
        results.push({
          name: s.name,
          title: s.title,
          durationMs: Date.now() - t0,
          figures: [],
          notes: [],
          error,
        });
      }
      log(`${s.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    runner.cleanup();
  }
  const totalS = (Date.now() - started) / 1000;
  process.stdout.write(renderTable(results));
  process.stdout.write(`\nTotal: ${totalS.toFixed(1)} s on ${JSON.stringify(machine())}\n`);
  const soakOnly = args.soakSeconds !== undefined && args.only === undefined && !args.hostile;
  const hostileOnly = args.hostile && args.only === undefined;
  const name = hostileOnly ? "results-hostile.json" : soakOnly ? "results-soak.json" : "results.json";
  const file = join(dirname(fileURLToPath(import.meta.url)), name);
  mkdirSync(dirname(file), { recursive: true });
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const doc = {
    date: new Date().toISOString(),
    command,
    runner: runner.kind,
    machine: machine(),
    totalSeconds: totalS,
    results,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`Wrote ${file}\n`);
  const failed = results.some((r) => r.error !== undefined);
  return failed ? 1 : 0;
}

// Exit explicitly: a scenario that failed half-way may leave a client or timer behind.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
