// `npm run build:ui` (and the install's prepare step): builds the UI when its sources changed.
import { ensureUiBuilt } from './build-ui.ts';

const quiet = process.argv.includes('--quiet');
const started = Date.now();
const result = await ensureUiBuilt({ quiet });
if (result.built || !quiet) {
  process.stdout.write(
    `spyglass ui: ${result.built ? `built in ${Date.now() - started} ms` : 'up to date'} (${result.dir})\n`,
  );
}
