// Removes the stage's published page (the directory itself is the server's to keep).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRELLIS_LOCAL_SITE_DIR;
if (!dir) {
  console.error("TRELLIS_LOCAL_SITE_DIR is not set: this sample deploys only to a local Trellis server");
  process.exit(1);
}
const entries = existsSync(dir) ? readdirSync(dir) : [];
for (const entry of entries) {
  rmSync(join(dir, entry), { recursive: true, force: true });
}
console.log(entries.length ? `removed the page from ${dir}` : `nothing to remove at ${dir}`);
