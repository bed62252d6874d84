import { describe, expect, it } from 'vitest';
import { Router } from './router';

describe('Router', () => {
  const r = new Router<string>();
  r.add('POST', '/api/v1/guests/:vmid/status/shutdown', 'shutdown');
  r.add('POST', '/api/v1/guests/:vmid/status/:action', 'action');
  r.add('GET', '/api/v1/guests/:vmid', 'get');
  r.add('DELETE', '/api/v1/guests/:vmid', 'delete');
  r.add('GET', '/api/v1/tasks/:upid/log', 'log');

  it('matches the first pattern and decodes params', () => {
    expect(r.match('POST', '/api/v1/guests/100/status/shutdown')).toEqual({
      handler: 'shutdown',
      params: { vmid: '100' },
    });
    expect(r.match('POST', '/api/v1/guests/100/status/start')).toEqual({
      handler: 'action',
      params: { vmid: '100', action: 'start' },
    });
    expect(r.match('GET', `/api/v1/tasks/${encodeURIComponent('UPID:a:b@pam:')}/log`)).toEqual({
      handler: 'log',
      params: { upid: 'UPID:a:b@pam:' },
    });
  });

  it('tells a wrong method from an unknown path', () => {
    expect(r.match('PUT', '/api/v1/guests/100')).toEqual({ allowed: ['GET', 'DELETE'] });
    expect(r.match('GET', '/api/v1/nope')).toBeNull();
    expect(r.match('GET', '/api/v1/guests/%E0%A4%A')).toBeNull();
  });
});
