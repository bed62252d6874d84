import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeOutput } from './trpc-transformer';

/** What the browser gets: the JSON text tRPC writes, read back by superjson. */
const roundTrip = (v: unknown): unknown =>
  superjson.deserialize(JSON.parse(JSON.stringify(serializeOutput(v))) as Parameters<typeof superjson.deserialize>[0]);

describe('serializeOutput', () => {
  const plain = [
    null,
    'text',
    42,
    true,
    [],
    {},
    { a: 1, b: 'x', c: [1, 2, { d: null }], e: { f: false } },
    Array.from({ length: 50 }, (_, i) => ({ t: i * 60, cpu: i % 3 ? i / 10 : null })),
  ];

  it('writes exactly what superjson writes for plain values and Dates', () => {
    const dated = [
      new Date(0),
      { startedAt: new Date(1_700_000_000_000), rows: [{ at: new Date(5) }, { at: null }] },
      { 'a.b': new Date(7), 'c\\d': { e: new Date(8) } }, // keys that need escaping in superjson paths
      [new Date(1), [new Date(2)]],
    ];
    for (const v of [...plain, ...dated]) {
      expect(JSON.parse(JSON.stringify(serializeOutput(v)))).toEqual(
        JSON.parse(JSON.stringify(superjson.serialize(v))),
      );
    }
  });

  it('reads back Dates as Dates', () => {
    const v = { g: [{ startedAt: new Date(1_700_000_000_000) }], 'x.y': new Date(3) };
    const back = roundTrip(v) as typeof v;
    expect(back.g[0]!.startedAt).toBeInstanceOf(Date);
    expect(back.g[0]!.startedAt.getTime()).toBe(1_700_000_000_000);
    expect(back['x.y'].getTime()).toBe(3);
  });

  it('leaves to superjson what only superjson can carry', () => {
    const special = [
      new Map([['a', 1]]),
      { s: new Set([1]) },
      { n: 10n },
      [undefined, 1],
      { x: NaN },
      { y: -0 },
      { z: Infinity },
      { bad: new Date(Number.NaN) },
      { re: /a/ },
    ];
    for (const v of special) expect(serializeOutput(v)).toEqual(superjson.serialize(v));
    expect(roundTrip({ m: new Map([['k', 2]]) })).toEqual({ m: new Map([['k', 2]]) });
  });

  it('drops undefined properties, as JSON does', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
  });
});
