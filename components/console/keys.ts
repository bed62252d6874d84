/** X11 keysyms noVNC sends (RFB KeyEvent). */
export const KEY = {
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  Shift_L: 0xffe1,
  Super_L: 0xffeb,
  Delete: 0xffff,
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Print: 0xff61,
  F1: 0xffbe,
} as const;

/** One key press (down and up) with modifiers held around it. */
export type Stroke = { keysym: number; code: string | null; modifiers: number[] };

/** Combinations offered besides Ctrl-Alt-Del: label and strokes. */
export const COMBOS: { label: string; strokes: Stroke[] }[] = [
  {
    label: 'Ctrl-Alt-Backspace',
    strokes: [{ keysym: KEY.BackSpace, code: 'Backspace', modifiers: [KEY.Control_L, KEY.Alt_L] }],
  },
  ...[1, 2, 3, 4, 5, 6, 7].map((n) => ({
    label: `Ctrl-Alt-F${n}`,
    strokes: [{ keysym: KEY.F1 + n - 1, code: `F${n}`, modifiers: [KEY.Control_L, KEY.Alt_L] }],
  })),
  { label: 'Alt-Tab', strokes: [{ keysym: KEY.Tab, code: 'Tab', modifiers: [KEY.Alt_L] }] },
  { label: 'Alt-F4', strokes: [{ keysym: KEY.F1 + 3, code: 'F4', modifiers: [KEY.Alt_L] }] },
  { label: 'Windows key', strokes: [{ keysym: KEY.Super_L, code: 'MetaLeft', modifiers: [] }] },
  { label: 'Print Screen', strokes: [{ keysym: KEY.Print, code: 'PrintScreen', modifiers: [] }] },
  { label: 'Escape', strokes: [{ keysym: KEY.Escape, code: 'Escape', modifiers: [] }] },
];

/** Characters that need Shift on a US keyboard (QEMU maps keysyms with its en-us keymap). */
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

/**
 * The strokes that type `text` on the guest's keyboard, for "type text"
 * (pasting a password where there is no clipboard). Latin-1 characters are
 * their own keysym, newlines are Return, others use the Unicode keysym range.
 */
export function textToStrokes(text: string): Stroke[] {
  const out: Stroke[] = [];
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const cp = ch.codePointAt(0)!;
    const keysym = ch === '\n' ? KEY.Return : ch === '\t' ? KEY.Tab : cp >= 0x20 && cp <= 0xff ? cp : 0x01000000 + cp;
    out.push({ keysym, code: null, modifiers: SHIFTED.has(ch) ? [KEY.Shift_L] : [] });
  }
  return out;
}

/** Sends strokes through noVNC's sendKey, modifiers pressed before and released after each key. */
export function sendStrokes(
  send: (keysym: number, code: string | null, down?: boolean) => void,
  strokes: readonly Stroke[],
): void {
  for (const s of strokes) {
    for (const m of s.modifiers) send(m, null, true);
    send(s.keysym, s.code, true);
    send(s.keysym, s.code, false);
    for (const m of [...s.modifiers].reverse()) send(m, null, false);
  }
}
