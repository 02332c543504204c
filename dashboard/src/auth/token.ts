// The admin token lives in sessionStorage only: it ends with the tab, and never appears in a URL
// (a URL lands in history, logs and Referer headers).
export const TOKEN_KEY = "integrations.adminToken";

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
