import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../../src/service/loopback.js';
import { allowedHostnames, hostnameOf, isJson } from '../../../src/service/request-guard.js';

describe('the request guard', () => {
  it('reads the name out of a Host header, whatever its form', () => {
    expect(hostnameOf('127.0.0.1:7070')).toBe('127.0.0.1');
    expect(hostnameOf('LocalHost')).toBe('localhost');
    expect(hostnameOf('[::1]:7070')).toBe('::1');
    expect(hostnameOf('[::1]')).toBe('::1');
    expect(hostnameOf('::1')).toBe('::1');
    expect(hostnameOf('evil.example:7070')).toBe('evil.example');
  });

  it('answers to loopback, its address and the configured names only', () => {
    const names = allowedHostnames({
      listenHost: '10.1.2.3',
      allowedHosts: ['Berth.Internal:8080'],
      allowedOrigins: [],
    });
    expect([...names].sort()).toEqual(
      ['10.1.2.3', '127.0.0.1', '::1', 'berth.internal', 'localhost'].sort(),
    );
    // Every interface: each of the machine's addresses, loopback among them.
    const wildcard = allowedHostnames({
      listenHost: '0.0.0.0',
      allowedHosts: [],
      allowedOrigins: [],
    });
    expect(wildcard.has('127.0.0.1')).toBe(true);
    expect(wildcard.has('evil.example')).toBe(false);
  });

  it('takes application/json with parameters, in UTF-8 only', () => {
    expect(isJson('application/json')).toBe(true);
    expect(isJson('Application/JSON; charset=UTF-8')).toBe(true);
    expect(isJson('application/json;charset="utf-8"')).toBe(true);
    expect(isJson('application/json; charset = UTF8')).toBe(true);
    for (const type of [
      undefined,
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'application/json; charset=latin1',
      'text/plain; application/json',
    ]) {
      expect(isJson(type)).toBe(false);
    }
  });

  it('counts only addresses that reach this machine alone as loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'berth.internal',
      '128.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopback(host)).toBe(false);
  });
});
