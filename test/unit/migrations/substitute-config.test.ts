import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { substituteConfig } from '../../../src/migrations/substitute-config.js';

const site = { file: '/p/migrations/002_tune.sql', firstLine: 10, plugin: 'p', service: 'store' };
const config = {
  schema: 'tenant_1',
  size: 64,
  debt: -5,
  ratio: 0.25,
  strict: true,
  loose: false,
  version: '1.2.3-rc:4',
  nested: { table: 'items', deeper: { limit: 7 } },
  empty: '',
};

describe('substituteConfig', () => {
  it('writes numbers and booleans as literals and safe strings as they are', () => {
    const sql = substituteConfig(
      'CREATE TABLE "@config.schema".t (x INT DEFAULT @config.size, y REAL DEFAULT @config.ratio, ' +
        "z BOOLEAN DEFAULT @config.strict, w BOOLEAN DEFAULT @config.loose, v TEXT DEFAULT '@config.version');",
      config,
      site,
    );
    expect(sql).toBe(
      'CREATE TABLE "tenant_1".t (x INT DEFAULT 64, y REAL DEFAULT 0.25, ' +
        "z BOOLEAN DEFAULT TRUE, w BOOLEAN DEFAULT FALSE, v TEXT DEFAULT '1.2.3-rc:4');",
    );
  });

  it('puts a negative number in parentheses, so a minus before it cannot make a comment', () => {
    expect(substituteConfig('SELECT 1-@config.debt;', config, site)).toBe('SELECT 1-(-5);');
  });

  it('descends into nested keys while the value is an object, and keeps the rest of the name', () => {
    expect(substituteConfig('@config.nested.table @config.nested.deeper.limit', config, site)).toBe(
      'items 7',
    );
    expect(substituteConfig('SELECT * FROM @config.schema.items;', config, site)).toBe(
      'SELECT * FROM tenant_1.items;',
    );
    expect(substituteConfig("SELECT '@config.empty';", config, site)).toBe("SELECT '';");
  });

  it('leaves SQL without references as it is', () => {
    const sql = "SELECT email FROM users WHERE email LIKE '%@example.com'; -- @config";
    expect(substituteConfig(sql, config, site)).toBe(sql);
  });

  it('refuses a missing key, naming the file, the line, the key and the service', () => {
    const sql = 'SELECT 1;\nSELECT @config.nested.missing;';
    expect(() => substituteConfig(sql, config, site)).toThrow(
      expect.objectContaining({
        code: codes.MIGRATION_INVALID,
        service: 'store',
        data: { file: site.file, line: 11, key: 'nested.missing' },
      }),
    );
    expect(() => substituteConfig('@config.constructor', config, site)).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ key: 'constructor' }) }),
    );
  });

  it.each([
    ['a quote', "x'; DROP TABLE users; --"],
    ['a space', 'two words'],
    ['a double dash', 'a--b'],
    ['a double quote', 'a"b'],
    ['a semicolon', 'a;b'],
    ['a newline', 'a\nb'],
  ])('refuses a string with %s, so config cannot inject SQL', (_, value) => {
    expect(() => substituteConfig("SELECT '@config.value';", { value }, site)).toThrow(
      expect.objectContaining({
        code: codes.MIGRATION_INVALID,
        data: expect.objectContaining({ key: 'value' }),
      }),
    );
  });

  it.each([
    ['null', null],
    ['an object', { a: 1 }],
    ['an array', [1, 2]],
    ['infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
  ])('refuses a value that is %s', (_, value) => {
    expect(() => substituteConfig('SELECT @config.value;', { value }, site)).toThrow(
      expect.objectContaining({ code: codes.MIGRATION_INVALID }),
    );
  });
});
