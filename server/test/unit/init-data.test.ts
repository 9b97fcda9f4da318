import { describe, expect, it } from 'vitest';
import { signInitData, validateInitData } from '../../src/auth/init-data.js';

// Public vectors from ../shared/vectors/README.md.
const vector1 = {
  token: '7342037359:AAFZehRPBRs8Seg40oDjTMIW8uTGPuW1zfQ',
  initData:
    'user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733584787&signature=zL-ucjNyREiHDE8aihFwpfR9aggP2xiAo3NSpfe-p7IbCisNlDKlo7Kb6G4D0Ao2mBrSgEk4maLSdv6MLIlADQ&hash=2174df5b000556d044f3f020384e879c8efcab55ddea2ced4eb752e93e7080d6',
  authDate: 1733584787,
};
const vector2 = {
  token: '5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8',
  initData:
    'query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2',
  authDate: 1662771648,
};
const vector3 = {
  token: '123456:ABC-DEF',
  initData:
    'auth_date=1700000000&query_id=AAEAAAE&user=%7B%22id%22%3A1%2C%22first_name%22%3A%22Test%22%7D&hash=9dc8130af32fc091679f737ac7531bfd321296e2e7761519e088cfa93a6978ef',
  authDate: 1700000000,
};

const at = (authDate: number) => ({ maxAgeSeconds: 86_400, nowSeconds: authDate + 60 });

function withField(initData: string, key: string, value: string | null): string {
  const parameters = new URLSearchParams(initData);
  if (value === null) parameters.delete(key);
  else parameters.set(key, value);
  return parameters.toString();
}

describe('Telegram initData validation', () => {
  it('accepts vector 1 (with signature) and names its user', () => {
    const result = validateInitData(vector1.initData, vector1.token, at(vector1.authDate));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.user).toMatchObject({ id: 279058397, username: 'vdkfrost', language_code: 'ru' });
  });

  it('refuses vector 1 with a longer token, a changed chat_type, or signature left out', () => {
    expect(validateInitData(vector1.initData, `${vector1.token}x`, at(vector1.authDate))).toEqual({ ok: false, reason: 'bad_hash' });
    expect(validateInitData(withField(vector1.initData, 'chat_type', 'group'), vector1.token, at(vector1.authDate))).toEqual({ ok: false, reason: 'bad_hash' });
    expect(validateInitData(withField(vector1.initData, 'signature', null), vector1.token, at(vector1.authDate))).toEqual({ ok: false, reason: 'bad_hash' });
  });

  it('accepts vector 1 with its parameters in another order', () => {
    const reordered = vector1.initData.split('&').reverse().join('&');
    expect(validateInitData(reordered, vector1.token, at(vector1.authDate)).ok).toBe(true);
  });

  it('accepts vector 2 and not the hex-key mistake', () => {
    expect(validateInitData(vector2.initData, vector2.token, at(vector2.authDate)).ok).toBe(true);
    const wrong = withField(vector2.initData, 'hash', '082e20b3675d31b59f634da87912a440ffbfaf27083086c5617ffff933b98061');
    expect(validateInitData(wrong, vector2.token, at(vector2.authDate))).toEqual({ ok: false, reason: 'bad_hash' });
  });

  it('refuses malformed input cleanly', () => {
    for (const input of ['here comes something wrong;', 'no_hash=true', 'hash=abc', 'hash=abc&auth_date=test', '']) {
      const result = validateInitData(input, vector2.token, at(vector2.authDate));
      expect(result.ok).toBe(false);
    }
  });

  it('accepts vector 3, also with the hash in upper case', () => {
    expect(validateInitData(vector3.initData, vector3.token, at(vector3.authDate)).ok).toBe(true);
    const upper = withField(vector3.initData, 'hash', '9dc8130af32fc091679f737ac7531bfd321296e2e7761519e088cfa93a6978ef'.toUpperCase());
    expect(validateInitData(upper, vector3.token, at(vector3.authDate)).ok).toBe(true);
  });

  it('refuses vector 3 with a missing, empty, short, long, non-hex or altered hash', () => {
    const hash = '9dc8130af32fc091679f737ac7531bfd321296e2e7761519e088cfa93a6978ef';
    const variants = [null, '', hash.slice(0, 62), hash.slice(0, 63), `${hash}00`, `${hash.slice(0, 63)}g`, `0${hash.slice(1)}`];
    for (const variant of variants) {
      expect(validateInitData(withField(vector3.initData, 'hash', variant), vector3.token, at(vector3.authDate)).ok).toBe(false);
    }
  });

  it('refuses initData older than the allowed age', () => {
    const result = validateInitData(vector3.initData, vector3.token, { maxAgeSeconds: 3600, nowSeconds: vector3.authDate + 3601 });
    expect(result).toEqual({ ok: false, reason: 'expired' });
  });

  it('round-trips what signInitData makes', () => {
    const initData = signInitData({ auth_date: '1700000000', user: JSON.stringify({ id: 42, first_name: 'Ann' }), query_id: 'Q' }, vector3.token);
    const result = validateInitData(initData, vector3.token, at(1700000000));
    expect(result.ok && result.user.id).toBe(42);
  });
});
