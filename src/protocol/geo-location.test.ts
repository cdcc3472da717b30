import { describe, expect, it } from 'vitest';
import { geoFromHeaders } from './geo-location.js';

describe('geoFromHeaders', () => {
  it('reads Cloudflare and CloudFront headers', () => {
    expect(geoFromHeaders({ 'cf-ipcountry': 'de' })).toEqual({ countryCode: 'DE', countryName: 'Germany' });
    expect(geoFromHeaders({
      'cloudfront-viewer-country': 'US', 'cloudfront-viewer-city': 'San Francisco', 'cloudfront-viewer-country-region': 'CA',
      'cloudfront-viewer-latitude': '37.79388', 'cloudfront-viewer-longitude': '-122.395114',
    })).toEqual({ countryCode: 'US', countryName: 'United States', region: 'CA', city: 'San Francisco', latitude: 37.79388, longitude: -122.395114 });
  });

  it('ignores unknown, Tor, malformed and out-of-range values', () => {
    expect(geoFromHeaders({})).toBeNull();
    expect(geoFromHeaders({ 'cf-ipcountry': 'XX' })).toBeNull();
    expect(geoFromHeaders({ 'cf-ipcountry': 'T1' })).toBeNull();
    expect(geoFromHeaders({ 'x-geo-country': 'Germany' })).toBeNull();
    expect(geoFromHeaders({ 'x-geo-country': 'FR', 'x-geo-latitude': '123', 'x-geo-longitude': 'east' })).toEqual({ countryCode: 'FR', countryName: 'France' });
  });
});
