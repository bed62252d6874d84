import { describe, expect, it } from 'vitest';
import { KEY, sendStrokes, textToStrokes } from './keys';

describe('textToStrokes', () => {
  it('types letters, digits and symbols with Shift where a US keyboard needs it', () => {
    expect(textToStrokes('aB1!\n')).toEqual([
      { keysym: 0x61, code: null, modifiers: [] },
      { keysym: 0x42, code: null, modifiers: [KEY.Shift_L] },
      { keysym: 0x31, code: null, modifiers: [] },
      { keysym: 0x21, code: null, modifiers: [KEY.Shift_L] },
      { keysym: KEY.Return, code: null, modifiers: [] },
    ]);
  });

  it('uses the Unicode keysym range beyond Latin-1, and one Return for CRLF', () => {
    expect(textToStrokes('€\r\n').map((s) => s.keysym)).toEqual([0x010020ac, KEY.Return]);
  });
});

describe('sendStrokes', () => {
  it('presses modifiers around each key and releases them in reverse order', () => {
    const sent: [number, boolean | undefined][] = [];
    sendStrokes(
      (k, _c, down) => sent.push([k, down]),
      [{ keysym: KEY.Delete, code: 'Delete', modifiers: [KEY.Control_L, KEY.Alt_L] }],
    );
    expect(sent).toEqual([
      [KEY.Control_L, true],
      [KEY.Alt_L, true],
      [KEY.Delete, true],
      [KEY.Delete, false],
      [KEY.Alt_L, false],
      [KEY.Control_L, false],
    ]);
  });
});
