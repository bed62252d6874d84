import { describe, expect, it } from 'vitest';
import { encodeQmpCommand, parseQmpMessage, QmpLineSplitter } from './qmp-protocol';

const greeting =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18"}, "capabilities": ["oob"]}}';

describe('QmpLineSplitter', () => {
  it('returns whole lines and keeps the partial tail', () => {
    const s = new QmpLineSplitter();
    expect(s.push(Buffer.from('{"return": {}, "id": "h1"}\n{"ret'))).toEqual(['{"return": {}, "id": "h1"}']);
    expect(s.bufferedBytes).toBe(5);
    expect(s.push(Buffer.from('urn": 1}\r\n'))).toEqual(['{"return": 1}']);
    expect(s.bufferedBytes).toBe(0);
  });

  it('splits several messages arriving in one chunk and skips blank lines', () => {
    const s = new QmpLineSplitter();
    expect(s.push(Buffer.from('{"a":1}\n\n{"b":2}\n{"c":3}\n'))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('joins a multi-byte character cut between chunks', () => {
    const s = new QmpLineSplitter();
    const bytes = Buffer.from('{"desc":"é"}\n');
    const cut = bytes.indexOf(0xc3) + 1;
    expect(s.push(bytes.subarray(0, cut))).toEqual([]);
    expect(s.push(bytes.subarray(cut))).toEqual(['{"desc":"é"}']);
  });

  it('handles one byte at a time', () => {
    const s = new QmpLineSplitter();
    const out: string[] = [];
    for (const b of Buffer.from(`${greeting}\n`)) out.push(...s.push(Buffer.from([b])));
    expect(out).toEqual([greeting]);
  });
});

describe('parseQmpMessage', () => {
  it('reads the greeting', () => {
    expect(parseQmpMessage(greeting)).toEqual({ kind: 'greeting', version: '7.2.22', capabilities: ['oob'] });
  });

  it('reads a return with its id', () => {
    expect(parseQmpMessage('{"return": {"status": "running", "running": true}, "id": "h7"}')).toEqual({
      kind: 'return',
      id: 'h7',
      value: { status: 'running', running: true },
    });
  });

  it('reads an error', () => {
    expect(
      parseQmpMessage(
        '{"id": "h2", "error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}}',
      ),
    ).toEqual({ kind: 'error', id: 'h2', errorClass: 'CommandNotFound', desc: 'The command foo has not been found' });
  });

  it('reads an event', () => {
    const line =
      '{"timestamp": {"seconds": 1795715640, "microseconds": 226818}, "event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}}';
    expect(parseQmpMessage(line)).toEqual({
      kind: 'event',
      event: {
        event: 'SHUTDOWN',
        data: { guest: true, reason: 'guest-shutdown' },
        timestamp: { seconds: 1795715640, microseconds: 226818 },
      },
    });
  });

  it('refuses non-QMP lines', () => {
    expect(() => parseQmpMessage('[1,2]')).toThrow(/not an object/);
    expect(() => parseQmpMessage('{"hello": 1}')).toThrow(/unknown message/);
    expect(() => parseQmpMessage('{oops')).toThrow();
  });
});

describe('encodeQmpCommand', () => {
  it('writes one line, with arguments only when given', () => {
    expect(encodeQmpCommand('query-status', undefined, 'h1')).toBe('{"execute":"query-status","id":"h1"}\n');
    expect(encodeQmpCommand('stop', {}, 'h2')).toBe('{"execute":"stop","id":"h2"}\n');
    expect(encodeQmpCommand('human-monitor-command', { 'command-line': 'info status' }, 'h3')).toBe(
      '{"execute":"human-monitor-command","id":"h3","arguments":{"command-line":"info status"}}\n',
    );
  });
});
