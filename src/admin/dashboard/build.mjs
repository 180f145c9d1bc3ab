// Builds the dashboard into dist/dashboard/: index.html, app.js (the page and uPlot, bundled) and
// app.css (uPlot's styles and ours). Run by `npm run build`; nothing is fetched at run time.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: `${here}app.ts`, simulate: `${here}simulate.ts` },
  outdir: out,
  bundle: true,
  format: 'iife',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
await copyFile(`${here}index.html`, `${out}index.html`);
await copyFile(`${here}simulate.html`, `${out}simulate.html`);
