/**
 * Reply bodies NanoMDM writes, byte for byte: devices and the conformance
 * suite compare bytes, so these are literal strings, not a serializer.
 */

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>';
const DOCTYPE = '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">';

/**
 * The zero-length DigestChallenge of §6.4 (UserAuthenticate with -ua-zl-dc
 * and no DigestResponse): a fixed, tab-indented document, lines joined by
 * "\n", no trailing newline.
 */
export function digestChallengeReply(): Buffer {
  return Buffer.from(
    [XML_HEADER, DOCTYPE, '<plist version="1.0">', '<dict>', '\t<key>DigestChallenge</key>', '\t<string></string>', '</dict>', '</plist>'].join('\n'),
    'utf8',
  );
}

/** §6.6: GetBootstrapToken with an escrowed token (an escrowed empty token gives `<data></data>`). */
export function bootstrapTokenReply(token: Buffer): Buffer {
  return singleDataDict('BootstrapToken', token);
}

/** §6.8: what a GetToken handler answers, `{TokenData: <data>}`. */
export function tokenDataReply(data: Buffer): Buffer {
  return singleDataDict('TokenData', data);
}

/**
 * What NanoMDM's `plist.Marshal` (micromdm/plist, xml_writer.go, no indent)
 * produces for a one-key struct (§6.6): Go's xml.Header (ends in "\n"), the
 * DOCTYPE and "\n", then the unindented document and a final "\n".
 */
function singleDataDict(key: string, value: Buffer): Buffer {
  const document = `<plist version="1.0"><dict><key>${key}</key><data>${value.toString('base64')}</data></dict></plist>`;
  return Buffer.from(`${XML_HEADER}\n${DOCTYPE}\n${document}\n`, 'utf8');
}
