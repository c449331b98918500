/** Stable colours: the same service (or series) gets the same colour in every view. */
// Sixteen hues far enough apart to tell services apart at a glance; no pure red (errors use it).
const COLOURS = [
  '#228be6',
  '#40c057',
  '#fab005',
  '#be4bdb',
  '#15aabf',
  '#fd7e14',
  '#7950f2',
  '#e64980',
  '#0b7285',
  '#5c940d',
  '#4c6ef5',
  '#d9480f',
  '#862e9c',
  '#a0522d',
  '#2b8a3e',
  '#f59f00',
];

export function colourFor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  // FNV-1a then murmur3's finaliser: names that differ only in their last letters spread out.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return COLOURS[(h >>> 0) % COLOURS.length]!;
}

export const ERROR_COLOUR = '#fa5252';
export const OTHER_COLOUR = '#adb5bd';
