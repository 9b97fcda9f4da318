export { buildApp, loadSpec, listOperations, SPEC_PATH, REDACTED_PATHS, type BuildAppOptions, type KikuaiApp } from './app.js';
export { loadConfig, ConfigError, type Config, type Environment } from './config.js';
export { createStore } from './store/index.js';
export type * from './store/types.js';
export { generateApiKey, hashApiKey, isWellFormedApiKey } from './auth/api-key.js';
export { signInitData, validateInitData } from './auth/init-data.js';
export { serve, type ServeOptions, type Alongside, type ListeningApi } from './serve.js';
