// "Deploys" the app: publishes a page for the stage where the local Trellis server serves it,
// and reports the page's URL as an output.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { escapeHtml, greeting } from "./index.mjs";

const dir = process.env.TRELLIS_LOCAL_SITE_DIR;
if (!dir) {
  console.error("TRELLIS_LOCAL_SITE_DIR is not set: this sample deploys only to a local Trellis server");
  process.exit(1);
}
const app = process.env.TRELLIS_APP || "sample";
const stage = process.env.TRELLIS_STAGE || "development";
const sha = process.env.TRELLIS_COMMIT_SHA || "unknown";
let subject = "";
try {
  subject = execFileSync("git", ["log", "-1", "--format=%s"], { encoding: "utf8" }).trim();
} catch {
  // A checkout without history still deploys.
}
const message = readFileSync("message.txt", "utf8").trim();

console.log(`building page for ${app}/${stage}…`);
const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(app)} · ${escapeHtml(stage)}</title></head>
<body>
  <h1>${escapeHtml(message)}</h1>
  <p>${escapeHtml(greeting(stage))}.</p>
  <dl>
    <dt>App</dt><dd>${escapeHtml(app)}</dd>
    <dt>Stage</dt><dd>${escapeHtml(stage)}</dd>
    <dt>Commit</dt><dd><code>${escapeHtml(sha)}</code> ${escapeHtml(subject)}</dd>
  </dl>
</body>
</html>
`;
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "index.html"), html);
const url = process.env.TRELLIS_LOCAL_SITE_URL || "";
if (process.env.TRELLIS_OUTPUTS_FILE) {
  writeFileSync(process.env.TRELLIS_OUTPUTS_FILE, JSON.stringify({ url }));
}
console.log(`published ${url}`);
