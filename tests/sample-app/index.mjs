// The app's one piece of logic, covered by its unit tests.
export function greeting(stage) {
  const name = String(stage || "").trim() || "somewhere";
  return `Greetings from the ${name} stage`;
}

export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
