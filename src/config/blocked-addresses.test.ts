import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from './load-config.js';

const org = (blockedAddresses: unknown) => ({
  id: '00D000000000009',
  deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009' }] }],
  agents: [{ id: '005000000000009', name: 'Grace' }],
  blockedAddresses,
});

describe('orgs[].blockedAddresses', () => {
  it('takes addresses and CIDR ranges of both families, none by default', () => {
    const config = validateConfig({ orgs: [org([{ ipRange: '203.0.113.7', reason: 'abuse' }, { ipRange: '2001:db8::/32' }, { ipRange: '::ffff:10.0.0.0/104' }])] }, 'test');
    expect(config.orgs[0]!.blockedAddresses).toEqual([{ ipRange: '203.0.113.7', reason: 'abuse' }, { ipRange: '2001:db8::/32' }, { ipRange: '::ffff:10.0.0.0/104' }]);
    const { blockedAddresses: _, ...without } = org([]);
    expect(validateConfig({ orgs: [without] }, 'test').orgs[0]!.blockedAddresses).toEqual([]);
  });

  it('refuses a range that is not one, naming where and why', () => {
    let problems: string[] = [];
    try {
      validateConfig({ orgs: [org([{ ipRange: '10.0.0.1/8' }, { ipRange: '1.2.3.4' }, { ipRange: 'example.com' }])] }, 'test');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      '/orgs/0/blockedAddresses/0/ipRange: 10.0.0.1/8 has bits set past its prefix (the network is 10.0.0.0/8)',
      '/orgs/0/blockedAddresses/2/ipRange: example.com is not an IPv4 or IPv6 address',
    ]);
  });
});
