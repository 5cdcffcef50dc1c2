import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeEscrow, type FakeEscrow } from '@espalier/shared/util-testing';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import type { ServiceProcess } from '../services/service-process';
import { openPushHarness, type PushHarness } from '../push/push-harness';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface ApiHarness extends PushHarness {
  api: ServiceProcess;
  readonly key: string;
  /** Apple's escrowKeyUnlock endpoint, faked; the api service trusts its CA. */
  readonly escrow: FakeEscrow;
  /** One HTTP request to the api service; Basic auth with the right key unless `auth` says otherwise. */
  call(method: string, path: string, options?: { body?: Buffer | string; auth?: string | null; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** Events on mdm.command since the harness started, decoded. */
  commandLog(): EspalierEvent[];
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Checkin, commands, push (with the fake APNs) and the api service with an -api key, all as processes. */
export async function openApiHarness(apiEnv: Record<string, string> = {}): Promise<ApiHarness> {
  const base = await openPushHarness();
  const key = randomBytes(12).toString('hex');
  const escrow = await startFakeEscrow();
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'espalier-escrow-')), 'escrow-ca.pem');
  writeFileSync(caFile, escrow.ca);
  const api = await base.startService('api', {
    ESPALIER_API: key, ESPALIER_PUSH_WAIT: '10s', ESPALIER_CATCH_UP_TIMEOUT: '30s',
    ESPALIER_ESCROW_KEY_UNLOCK_URL: escrow.url, NODE_EXTRA_CA_CERTS: caFile, ...apiEnv,
  });
  const h: ApiHarness = Object.assign(base, {
    api,
    key,
    escrow,
    async call(method: string, path: string, options: { body?: Buffer | string; auth?: string | null; headers?: Record<string, string> } = {}) {
      const auth = options.auth === undefined ? basic('nanomdm', key) : options.auth;
      const res = await fetch(h.api.url + path, {
        method,
        body: options.body,
        headers: { ...(auth ? { Authorization: auth } : {}), ...options.headers },
        redirect: 'manual',
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    commandLog: () => base.commandEvents.records.map((r) => decodeEvent({ value: r.value, headers: r.headers }) as EspalierEvent),
  });
  const close = h.close.bind(h);
  h.close = async () => {
    await close();
    await escrow.close();
  };
  return h;
}
