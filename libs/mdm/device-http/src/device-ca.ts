import { readFileSync } from 'node:fs';

export interface DeviceCaPaths {
  readonly ca?: string;
  readonly intermediate?: string;
}

export interface DeviceCaPems {
  readonly roots: string;
  readonly intermediates?: string;
}

/**
 * The PEM files device identity certificates chain to (NanoMDM's -ca and
 * -intermediate, §8.3), read at start-up: a service that authenticates
 * devices fails to start without them ("must supply CA cert path flag"),
 * never per request.
 */
export function readDeviceCa(service: string, paths: DeviceCaPaths): DeviceCaPems {
  if (!paths.ca) throw new Error(`${service}: must supply the CA certificate path (-ca / ESPALIER_CA)`);
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`${service}: reading ${flag} ${path}: ${(error as Error).message}`);
    }
  };
  return { roots: read('-ca', paths.ca), intermediates: paths.intermediate ? read('-intermediate', paths.intermediate) : undefined };
}
