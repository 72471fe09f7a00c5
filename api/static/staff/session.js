// The staff session in the browser: sign-in (POST /staff/login), the staff GraphQL endpoint with the session's CSRF
// token, and sign-out. The session id stays in its HttpOnly cookie; the page keeps only the CSRF token, for this tab.
import { formatDateTime } from '../format.js';

const ENDPOINT = '/staff/graphql';
const KEPT = 'registry.staff.csrf'; // sessionStorage: this tab only, so that a reload stays signed in

export class SignInRefused extends Error {}
export class SessionEnded extends Error {}
export class ApiError extends Error {
  /** `unanswered`: the request may have been carried out, and no answer says so (the network, a gateway). */
  constructor(message, unanswered = false) {
    super(message);
    this.unanswered = unanswered;
  }
}

function kept() {
  try {
    return JSON.parse(sessionStorage.getItem(KEPT) || 'null');
  } catch {
    return null;
  }
}

/** The header that carries this tab's CSRF token ({name: token}), for requests made without staffRequest. */
export function csrfHeaders() {
  const csrf = kept();
  return csrf ? { [csrf.header]: csrf.token } : {};
}

/** Whether this tab holds a CSRF token from a sign-in (the session may still have ended on the server). */
export function holdsSession() {
  return kept() !== null;
}

export function forget() {
  sessionStorage.removeItem(KEPT);
}

/** Sign in; throws SignInRefused with what to tell the person. */
export async function signIn(name, password) {
  let response;
  try {
    response = await fetch('/staff/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ name, password }),
      credentials: 'same-origin',
    });
  } catch {
    throw new SignInRefused('无法连接服务器，请检查网络后重试。');
  }
  if (response.ok) {
    const answer = await response.json();
    sessionStorage.setItem(KEPT, JSON.stringify({ header: answer.csrfHeader, token: answer.csrfToken }));
    return answer;
  }
  await response.text().catch(() => ''); // read to the end: the answer's own text is in English
  throw new SignInRefused(refusalText(response));
}

function refusalText(response) {
  switch (response.status) {
    case 401:
      return '姓名或密码错误，请重新输入。';
    case 429: {
      const seconds = Number(response.headers.get('retry-after'));
      if (!Number.isFinite(seconds) || seconds <= 0) return '登录失败次数过多，暂时不能登录，请稍后再试。';
      const minutes = Math.ceil(seconds / 60);
      const until = formatDateTime(new Date(Date.now() + seconds * 1000).toISOString());
      return `登录失败次数过多，暂时不能登录。请在 ${minutes} 分钟后（${until} 以后）再试。`;
    }
    case 400:
      return '请填写姓名和密码。';
    case 403:
      return '登录请求被拒绝：请直接从本站的工作台页面登录。';
    default:
      return `登录未成功（服务器返回 HTTP ${response.status}），请稍后再试。`;
  }
}

/** A fresh idempotency key (a UUID v4): crypto.randomUUID needs a secure context, getRandomValues does not. */
export function freshKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `data` of a staff query (`headers`: e.g. a mutation's Idempotency-Key). Throws SessionEnded when the server no
 * longer knows the session, ApiError else.
 */
export async function staffRequest(query, variables = {}, headers = {}) {
  const csrf = kept();
  if (!csrf) throw new SessionEnded('请先登录。');
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json',
        [csrf.header]: csrf.token,
      },
      body: JSON.stringify({ query, variables }),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('无法连接服务器，请检查网络后重试。', true);
  }
  if (response.status === 401) {
    forget();
    throw new SessionEnded('登录已过期或已退出，请重新登录。');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`服务器返回了 HTTP ${response.status}`, response.status >= 500);
  }
  if (response.status === 403) throw new ApiError('请求被拒绝：请刷新页面后重新登录。');
  if (body.errors && body.errors.length) throw new ApiError(body.errors.map((error) => error.message).join('；'));
  if (!response.ok || !body.data) throw new ApiError(`服务器返回了 HTTP ${response.status}`);
  return body.data;
}

/** End the session on the server (a session already ended is no error) and forget its CSRF token. */
export async function signOut() {
  const csrf = kept();
  forget();
  if (!csrf) return;
  try {
    const response = await fetch('/staff/logout', {
      method: 'POST',
      headers: { accept: 'application/json', [csrf.header]: csrf.token },
      credentials: 'same-origin',
    });
    await response.text();
  } catch {
    // the cookie stays until the server ends the session by its idle timeout; the page shows the form regardless
  }
}
