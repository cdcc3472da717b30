/**
 * The file name a `Content-Disposition` header gives (RFC 6266): `filename*`
 * (RFC 8187, `UTF-8''` and percent-encoded bytes) wins over a plain `filename`.
 */
export function attachmentName(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended?.[2] && /^utf-8$/i.test(extended[1] ?? '')) {
    try {
      return decodeURIComponent(extended[2].trim());
    } catch {
      // A malformed escape: fall back to the plain parameter, if any.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
  if (plain?.[1] !== undefined) return plain[1].replace(/\\(.)/g, '$1');
  return plain?.[2]?.trim();
}
