import { createKikuaiClient } from '@kikuai/sdk';

/**
 * The one place the app builds its API client: same origin as the page (the server
 * serves the app at /webapp), authenticated by the raw initData (`Authorization: tma …`).
 */
export function createApi(initData: string, baseUrl: string = window.location.origin) {
  return createKikuaiClient({ baseUrl, auth: { initData }, timeoutMs: 15_000, maxRetries: 1 });
}

export type Api = ReturnType<typeof createApi>;
