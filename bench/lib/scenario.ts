import type { Figure } from "./report.js";
import type { Runner } from "../../test/support/runner.js";

/** What every scenario gets from bench/run.ts. */
export interface ScenarioContext {
  readonly runner: Runner;
  /** Fewer trials and shorter windows (smoke run; figures are less precise). */
  readonly quick: boolean;
  /** Soak length in seconds (the soak scenario only). */
  readonly soakSeconds: number;
  /** Progress line on stderr. */
  log(message: string): void;
}

export interface ScenarioOutput {
  readonly figures: Figure[];
  readonly notes: string[];
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Part of the default run (the soak is not). */
  readonly inDefault: boolean;
  /** An attack on the hub: run by `--hostile` (with the other hostile scenarios). */
  readonly hostile?: boolean;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}
