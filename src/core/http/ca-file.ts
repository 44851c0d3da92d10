import { OidcError } from '../errors';
import { readTextFile } from '../text-file';

/**
 * Reads a CA certificate file for TLS: it must exist and hold at least one
 * PEM certificate, else the person would only see a confusing TLS failure
 * later. `where` names the knob it came from ("--ca", "setting
 * oidcFlow.caFile", "idps.corp.caFile").
 */
export async function readCaText(
  path: string,
  where: string,
  read: (path: string) => Promise<string> = readTextFile,
): Promise<string> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OidcError('config.ca_file', `Cannot read the CA file ${path} (${where})${code ? `: ${code}` : ''}.`, {
      hint: `Fix the path (${where}), or leave it out to trust only the system CAs.`,
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new OidcError(
      'config.ca_file',
      `The CA file ${path} (${where}) holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line). Give the CA certificate in PEM form, e.g. convert a DER file with: openssl x509 -inform der -in ca.cer -out ca.pem`,
      { hint: "Point it at the PEM certificate of the CA that signed the server's certificate." },
    );
  }
  return text;
}
