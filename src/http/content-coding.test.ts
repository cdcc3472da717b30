import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../protocol/errors.js';
import { decodeContentCoding } from './content-coding.js';

const body = Buffer.from('{"text":"hello"}');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof SwitchboardError ? err.code : 'not a SwitchboardError';
  }
  return undefined;
}

describe('decodeContentCoding', () => {
  it('leaves a body without a coding, with identity or empty as it came', () => {
    expect(decodeContentCoding(body, undefined, 1000)).toBe(body);
    expect(decodeContentCoding(body, 'identity', 1000)).toBe(body);
    expect(decodeContentCoding(Buffer.alloc(0), 'gzip', 1000).length).toBe(0);
  });

  it('undoes several codings, the last applied first', () => {
    expect(decodeContentCoding(gzipSync(deflateSync(body)), 'deflate, gzip', 1000).toString()).toBe(body.toString());
    expect(decodeContentCoding(gzipSync(body), ['gzip'], 1000).toString()).toBe(body.toString());
  });

  it('reads raw deflate data sent as deflate (clients that skip the zlib wrapper)', () => {
    expect(decodeContentCoding(deflateRawSync(body), 'deflate', 1000).toString()).toBe(body.toString());
  });

  it('refuses an unknown coding, too many codings, data not in its coding, and a decoded body over the limit', () => {
    expect(codeOf(() => decodeContentCoding(body, 'compress', 1000))).toBe('BODY_ENCODING_UNSUPPORTED');
    expect(codeOf(() => decodeContentCoding(body, 'gzip, gzip, gzip, gzip', 1000))).toBe('BODY_ENCODING_UNSUPPORTED');
    expect(codeOf(() => decodeContentCoding(body, 'gzip', 1000))).toBe('BODY_ENCODING_INVALID');
    expect(codeOf(() => decodeContentCoding(gzipSync(Buffer.alloc(5000)), 'gzip', 1000))).toBe('BODY_TOO_LARGE');
  });
});
