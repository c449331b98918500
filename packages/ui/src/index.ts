export { ensureUiBuilt, findBuiltUi, findLatestBuiltUi, type BuiltUi } from './server/build-ui.ts';
export { registerUi, type UiPluginOptions } from './server/ui-plugin.ts';
