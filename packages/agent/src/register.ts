/**
 * The agent as an ES-module preload, `node --import <dist>/register.mjs`: the
 * same start as the CommonJS preload next to it (register.cjs, what
 * `spyglass run` uses), for users who preload ES modules by hand.
 */
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./register.cjs');
