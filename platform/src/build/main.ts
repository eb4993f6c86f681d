import { projectRoot } from '@stayhub/platform-kit';
import { buildApps } from './build.ts';

/** `npm run build`: every app bundled into `dist/`, which `node dist/<app>.js` runs (the image, `npm start`, the benchmarks). */
const started = performance.now();
const { outDir, files } = await buildApps(projectRoot);
const apps = files.filter((file) => file.endsWith('.js') && !file.includes('/main/')).length;
console.log(`[build] ${apps} apps into ${outDir} in ${Math.round(performance.now() - started)} ms`);
