declare const __KIKUAI_SDK_VERSION__: string | undefined;

/**
 * The version of this SDK, as sent in its `User-Agent` (`kikuai-sdk-js/<version>`).
 *
 * @example
 * ```ts
 * import { SDK_VERSION } from '@kikuai/sdk';
 * console.log(`using @kikuai/sdk ${SDK_VERSION}`);
 * ```
 */
export const SDK_VERSION: string = typeof __KIKUAI_SDK_VERSION__ === 'string' ? __KIKUAI_SDK_VERSION__ : '0.0.0-development';
