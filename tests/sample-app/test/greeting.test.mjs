import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, greeting } from "../index.mjs";

test("greets the stage by name", () => {
  assert.equal(greeting("staging"), "Greetings from the staging stage");
  assert.equal(greeting(""), "Greetings from the somewhere stage");
});

test("escapes HTML", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
});
