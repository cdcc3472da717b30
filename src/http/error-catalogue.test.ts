/**
 * The error catalogue and docs/errors.md must say the same thing: every code,
 * its status and its exact body, and nothing extra.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, renderError } from './error-catalogue.js';
import { KNOWN_CODES, SwitchboardHttpError } from '../../packages/sdk/src/errors.js';
import type { ErrorCode } from '../protocol/errors.js';

function documentedRows(): Map<string, { status: number; body: string }> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === '| code | status | body | when |');
  expect(start, 'docs/errors.md has the catalogue table').toBeGreaterThanOrEqual(0);
  const rows = new Map<string, { status: number; body: string }>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [code = '', status = '', body = ''] = line.split('|').slice(1).map((c) => c.trim());
    rows.set(code, { status: Number(status), body });
  }
  return rows;
}

describe('error catalogue', () => {
  it('is what the SDK reads each code it names from: the status and body the server renders give back that code', () => {
    for (const [code, status, text] of KNOWN_CODES) {
      const entry = ERROR_CATALOGUE[code as ErrorCode];
      expect([entry.status, entry.message], code).toEqual([status, text]);
      const { body } = renderError(code as ErrorCode, 'some detail');
      expect(new SwitchboardHttpError(status, body, 'call').code, code).toBe(code);
    }
    // The agent API's own codes a caller acts on are all named (the visitor wire's are Live Agent's texts).
    const named = new Set<string>(KNOWN_CODES.map(([c]) => c));
    for (const code of ['HOLDER_ONLY', 'CONFERENCE_FULL', 'CONFERENCE_INVITE_PENDING', 'BUTTON_CLOSED', 'BLOCK_IN_CONFIG', 'QUICK_TEXT_IN_CONFIG', 'QUICK_TEXT_LIMIT', 'IP_RANGE_INVALID', 'MESSAGE_TOO_LONG', 'QUERY_INVALID']) expect(named.has(code), code).toBe(true);
  });

  it('matches docs/errors.md code for code', () => {
    const documented = documentedRows();
    const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, { status: e.status, body: e.message }]));
    expect(documented).toEqual(catalogue);
  });

  it('renders short plain bodies, with the detail only where allowed', () => {
    expect(renderError('SESSION_INVALID', 'ignored')).toEqual({ status: 403, body: 'Session required but was invalid or not found' });
    expect(renderError('VERSION_UNSUPPORTED', '12 (supported 29 to 66)').body).toBe('Unsupported API version: 12 (supported 29 to 66)');
    for (const e of Object.values(ERROR_CATALOGUE)) expect(e.message.length).toBeLessThan(100);
  });

  it('never uses 500 for anything but an internal failure', () => {
    const fiveHundreds = Object.entries(ERROR_CATALOGUE).filter(([, e]) => e.status === 500).map(([c]) => c);
    expect(fiveHundreds).toEqual(['INTERNAL']);
  });
});
