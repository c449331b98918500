/** Stable colours: the same service (or series) gets the same colour in every view. */
const COLOURS = [
  '#228be6',
  '#40c057',
  '#fab005',
  '#be4bdb',
  '#15aabf',
  '#fd7e14',
  '#7950f2',
  '#12b886',
  '#e64980',
  '#82c91e',
  '#4c6ef5',
  '#f76707',
  '#0ca678',
  '#ae3ec9',
  '#1098ad',
  '#e8590c',
];

export function colourFor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return COLOURS[(h >>> 0) % COLOURS.length]!;
}

export const ERROR_COLOUR = '#fa5252';
export const OTHER_COLOUR = '#adb5bd';
