#!/usr/bin/env node
// Prints a Mini App initData signed with TELEGRAM_BOT_TOKEN, for `VITE_DEV_INIT_DATA` under `npm run dev`.
// Usage: TELEGRAM_BOT_TOKEN=123:abc node scripts/sign-init-data.mjs [telegram-user-id]
import { createHmac } from 'node:crypto';

const botToken = process.env.TELEGRAM_BOT_TOKEN;
if (!botToken) {
  console.error('Set TELEGRAM_BOT_TOKEN to the token the server uses.');
  process.exit(1);
}
const fields = {
  auth_date: String(Math.floor(Date.now() / 1000)),
  query_id: 'AAdev',
  user: JSON.stringify({ id: Number(process.argv[2] ?? 1000001), first_name: 'Dev', username: 'dev', language_code: 'en' }),
};
const checkString = Object.keys(fields)
  .sort()
  .map((key) => `${key}=${fields[key]}`)
  .join('\n');
const secret = createHmac('sha256', 'WebAppData').update(botToken).digest();
const hash = createHmac('sha256', secret).update(checkString).digest('hex');
console.log(new URLSearchParams({ ...fields, hash }).toString());
