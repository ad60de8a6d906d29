import type { Scenario } from "../lib/scenario.js";
import { activation } from "./activation.js";
import { adminLoad } from "./admin-load.js";
import { arrivals } from "./arrivals.js";
import { fanOut } from "./fan-out.js";
import { footprint } from "./footprint.js";
import { hostileAttacks } from "./hostile-attacks.js";
import { hostileGateway } from "./hostile-gateway.js";
import { hostileMetadata } from "./hostile-metadata.js";
import { partitionPayload } from "./partition-payload.js";
import { readPath } from "./read-path.js";
import { scrapeCost } from "./scrape-cost.js";
import { soak } from "./soak.js";

/** Every scenario, in run order. */
export const SCENARIOS: readonly Scenario[] = [
  activation,
  arrivals,
  adminLoad,
  partitionPayload,
  readPath,
  fanOut,
  scrapeCost,
  footprint,
  soak,
  hostileMetadata,
  hostileAttacks,
  hostileGateway,
];
