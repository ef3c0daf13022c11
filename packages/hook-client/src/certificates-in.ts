import { X509Certificate } from 'node:crypto';

/**
 * The certificates of a PEM bundle. Throws an `Error` saying what is wrong when there is
 * none or one cannot be read: TLS itself skips a CA bundle it cannot read without a word.
 */
export function certificatesIn(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----) in it');
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(`certificate ${index + 1} cannot be read: ${(error as Error).message}`);
    }
  });
}
