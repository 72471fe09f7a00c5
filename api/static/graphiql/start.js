// Starts GraphiQL (the registry's own copy, see README.md here) against the page's own address, /graphql.
// The query, variables and operation name live in the page's URL, so that a query can be linked.
/* global GraphiQL, React, ReactDOM */

const EXAMPLE = `# 政务公开事项标准目录: the public GraphQL API.
# Write a query on this side and run it with Ctrl-Enter (or the ▶ button);
# the documentation explorer (the book icon) lists every type and field.

query FirstItems {
  catalog(first: 5) {
    totalCount
    edges { node { id name unit version publishedAt } }
  }
  log { position headHash }
}
`;

const PARAMETERS = ['query', 'variables', 'operationName'];
const url = new URL(window.location.href);
const given = Object.fromEntries(PARAMETERS.map((name) => [name, url.searchParams.get(name) ?? undefined]));

/** An editor change handler that keeps `name` in the page's URL. */
function remembering(name) {
  return (value) => {
    const next = new URL(window.location.href);
    if (value) next.searchParams.set(name, value);
    else next.searchParams.delete(name);
    window.history.replaceState(null, '', next);
  };
}

const root = ReactDOM.createRoot(document.getElementById('graphiql'));
root.render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: window.location.pathname }),
    defaultQuery: EXAMPLE,
    query: given.query,
    variables: given.variables,
    operationName: given.operationName,
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    onEditQuery: remembering('query'),
    onEditVariables: remembering('variables'),
    onEditOperationName: remembering('operationName'),
  }),
);
