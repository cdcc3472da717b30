/**
 * A visitor's location as the proxy or CDN in front of Switchboard reports it
 * (Cloudflare, CloudFront, or generic X-Geo-* headers). Switchboard ships no
 * GeoIP database; it reads these headers only when `settings.trustGeoHeaders`
 * says the deployment sits behind such a proxy (a client could forge them).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface GeoLocation {
  countryCode: string;
  countryName: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function first(headers: IncomingHttpHeaders, names: string[]): string | undefined {
  for (const n of names) {
    const v = headers[n];
    const s = Array.isArray(v) ? v[0] : v;
    if (s && s.trim()) return s.trim().slice(0, 128);
  }
  return undefined;
}

function number(text: string | undefined, limit: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : undefined;
}

export function geoFromHeaders(headers: IncomingHttpHeaders): GeoLocation | null {
  const code = first(headers, ['cf-ipcountry', 'cloudfront-viewer-country', 'x-country-code', 'x-geo-country'])?.toUpperCase();
  // XX and T1 are Cloudflare's "unknown" and "Tor"; anything not two letters is not a country.
  if (!code || !/^[A-Z]{2}$/.test(code) || code === 'XX' || code === 'T1') return null;
  let countryName = code;
  try {
    countryName = regionNames.of(code) ?? code;
  } catch {
    // unknown region code: keep the code as the name
  }
  const geo: GeoLocation = { countryCode: code, countryName };
  const region = first(headers, ['cloudfront-viewer-country-region-name', 'cloudfront-viewer-country-region', 'x-geo-region']);
  const city = first(headers, ['cloudfront-viewer-city', 'x-geo-city']);
  const latitude = number(first(headers, ['cloudfront-viewer-latitude', 'x-geo-latitude']), 90);
  const longitude = number(first(headers, ['cloudfront-viewer-longitude', 'x-geo-longitude']), 180);
  if (region) geo.region = region;
  if (city) geo.city = city;
  if (latitude !== undefined) geo.latitude = latitude;
  if (longitude !== undefined) geo.longitude = longitude;
  return geo;
}
