/**
 * Runs every `*.test.ts` beside this file in ONE process, so the stack is synthesized once for
 * all of them (each file alone also works: `node --import tsx --test test/<file>.test.ts`).
 */
import { readdirSync } from 'node:fs';

for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.ts')).sort()) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(`./${file}`);
}
