// The page's only data source: POST /graphql, as any portal would call it.
import { h } from './dom.js';

export const ENDPOINT = '/graphql';

export class ApiError extends Error {}

/** The `data` of a GraphQL request; throws ApiError with the server's messages on errors. */
export async function request(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError(`无法连接接口（${error.message}）`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`接口返回了 HTTP ${response.status}`);
  }
  if (body.errors && body.errors.length) {
    throw new ApiError(body.errors.map((error) => error.message).join('；'));
  }
  if (!response.ok || !body.data) {
    throw new ApiError(`接口返回了 HTTP ${response.status}`);
  }
  return body.data;
}

/** Drop null, undefined and empty-string values, so the variables shown to developers stay short. */
export function compact(variables) {
  const kept = {};
  for (const [name, value] of Object.entries(variables)) {
    if (value === null || value === undefined || value === '') continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      const inner = compact(value);
      if (Object.keys(inner).length) kept[name] = inner;
    } else {
      kept[name] = value;
    }
  }
  return kept;
}

/** A collapsed note for portal builders: the query this view sent, its variables, and the same call with curl. */
export function queryNote(query, variables) {
  const json = JSON.stringify({ query: query.replace(/\s+/g, ' ').trim(), variables });
  const curl = `curl -s ${location.origin}${ENDPOINT} -H 'content-type: application/json' -d '${json.replaceAll("'", "'\\''")}'`;
  return h(
    'details',
    { class: 'api-note' },
    h('summary', {}, '本页使用的接口查询（供门户开发者参考）'),
    h('p', {}, '查询（GraphQL）：'),
    h('pre', {}, h('code', {}, query.trim())),
    h('p', {}, '变量：'),
    h('pre', {}, h('code', {}, JSON.stringify(variables, null, 2))),
    h('p', {}, '用 curl 发送同一请求：'),
    h('pre', {}, h('code', {}, curl)),
  );
}
