import { describe, expect, it } from 'vitest';
import { firstCallQuickstart } from './quickstart.js';

describe('firstCallQuickstart', () => {
  it('builds every line on the base URL, without its trailing slashes', () => {
    const lines = firstCallQuickstart('https://api.kikuai.example//');
    expect(lines.baseUrl).toBe('https://api.kikuai.example');
    expect(lines.curl).toContain('https://api.kikuai.example/api/v1/proxy/reliapi/http ');
    expect(lines.sdk).toContain("baseUrl: 'https://api.kikuai.example'");
    expect(lines.cli).toContain('--base-url https://api.kikuai.example ');
    expect(lines.docsUrl).toBe('https://api.kikuai.example/docs');
  });

  it('puts the secret in the curl only when given, else the shell variable', () => {
    expect(firstCallQuickstart('http://localhost:8000').curl).toContain('Authorization: Bearer $KIKUAI_API_KEY');
    const shown = firstCallQuickstart('http://localhost:8000', 'kik_secret');
    expect(shown.curl).toContain('Authorization: Bearer kik_secret');
    expect(shown.sdk).not.toContain('kik_secret'); // the one-liner reads the key from the environment
  });
});
