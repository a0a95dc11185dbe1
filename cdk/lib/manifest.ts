/**
 * The function manifest (`cdk/functions.json`, generated from `functions/lambdas/src/manifest.rs`):
 * read, checked (manifest-parse.ts) and typed (manifest-schema.ts) before the stack uses it.
 */
import { readFileSync } from 'node:fs';
import { parseManifest } from './manifest-parse';
import type { Manifest } from './manifest-schema';

export * from './manifest-schema';
export { parseManifest } from './manifest-parse';

export function loadManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the function manifest ${file}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`the function manifest ${file} is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return parseManifest(json);
}
