// Removes the stage's published page.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";

const sitesDir = process.env.TRELLIS_LOCAL_SITES_DIR;
if (!sitesDir) {
  console.error("TRELLIS_LOCAL_SITES_DIR is not set: this sample deploys only to a local Trellis server");
  process.exit(1);
}
const app = process.env.TRELLIS_APP || "sample";
const stage = process.env.TRELLIS_STAGE || "development";
const dir = join(sitesDir, app, stage);
if (existsSync(dir)) {
  rmSync(dir, { recursive: true, force: true });
  console.log(`removed ${dir}`);
} else {
  console.log(`nothing to remove at ${dir}`);
}
