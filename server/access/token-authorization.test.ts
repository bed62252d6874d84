import { describe, expect, it } from 'vitest';
import { parseTokenHeader } from './token-header';
import { normalizeTokenAuthorization } from './token-authorization';

const SECRET = '0b2f9a52-1c3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('token credentials as monitoring tools send them', () => {
  it.each([
    `PVEAPIToken=mon@local!prom=${SECRET}`,
    `Bearer mon@local!prom=${SECRET}`,
    `PVEAPIToken mon@local!prom=${SECRET}`,
  ])('%s', (header) => {
    expect(parseTokenHeader(normalizeTokenAuthorization(header))).toMatchObject({
      tokenid: 'mon@local!prom',
      secret: SECRET,
    });
  });
  it('leaves anything else for the parser to refuse', () => {
    expect(parseTokenHeader(normalizeTokenAuthorization('Basic bW9uOnB3'))).toBeNull();
    expect(parseTokenHeader(normalizeTokenAuthorization(`Bearer ${SECRET}`))).toBeNull();
  });
});
