// One parser for every command's number flags (was five hand-written copies).
import { describe, expect, it } from 'vitest';
import { portNumber, wholeNumber } from '../src/number-flag.ts';
import { lab } from './helpers.ts';

describe('number flags', () => {
  it('take digits in range only', () => {
    expect(portNumber('0')).toBe(0);
    expect(portNumber('65535')).toBe(65535);
    for (const bad of ['65536', '-1', '1e3', '0x10', '2.5', '', 'eight']) expect(() => portNumber(bad), bad).toThrow(/expected a whole number \(a port\) from 0 to 65535/);
    const concurrency = wholeNumber({ min: 1, max: 256, what: 'concurrency' });
    expect(concurrency('8')).toBe(8);
    expect(() => concurrency('0')).toThrow(/from 1 to 256/);
    expect(() => wholeNumber({ min: 1 })('0')).toThrow(/1 or more/);
  });

  it('lab validate --max-warnings refuses a number in another notation, naming what it takes', async () => {
    const r = await lab(['validate', 'examples', '--max-warnings', '1e3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/expected a whole number \(of warnings\), 0 or more/);
  });
});
