/**
 * `npm start -w @kikuai/server`: the API alone, for deployments that run the bot as its
 * own process (docker-compose.yml). `npm start` at the root runs the launcher instead:
 * the API, the bot and the Mini App in one process.
 */
import { serve } from './serve.js';

void serve();
