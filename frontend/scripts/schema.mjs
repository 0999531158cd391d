// Generates src/api/schema.d.ts from ../openapi/openapi.json with openapi-typescript.
//
//   node scripts/schema.mjs            write src/api/schema.d.ts
//   node scripts/schema.mjs --check    fail if it differs from a fresh generation
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// OPENAPI_SPEC points at another copy of the spec (e.g. one a newer backend printed).
const specPath = process.env.OPENAPI_SPEC ?? join(root, '../openapi/openapi.json');
const outPath = join(root, 'src/api/schema.d.ts');

export async function generate() {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  return `${COMMENT_HEADER}${astToString(await openapiTS(spec))}`;
}

async function main() {
  const fresh = await generate();
  if (!process.argv.includes('--check')) {
    writeFileSync(outPath, fresh);
    console.log(`wrote ${relative(root, outPath)} from ${relative(root, specPath)}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-'));
  try {
    const freshPath = join(dir, 'schema.d.ts');
    writeFileSync(freshPath, fresh);
    let committed = null;
    try {
      committed = readFileSync(outPath, 'utf8');
    } catch {
      // reported below
    }
    if (committed === fresh) {
      console.log(`${relative(root, outPath)} is up to date with ${relative(root, specPath)}`);
      return;
    }
    if (committed !== null) {
      try {
        execFileSync('diff', ['-u', outPath, freshPath], { stdio: 'inherit' });
      } catch {
        // diff exits 1 when the files differ: its output above is the point
      }
    }
    console.error(
      `\n${relative(root, outPath)} is out of date with ${relative(root, specPath)}: run \`npm run generate\` and commit it.`,
    );
    process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
