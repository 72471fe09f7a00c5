// Building DOM nodes from data. Text always goes in as text nodes, never as HTML.

/**
 * h('a', {href: '#/', class: 'x'}, 'text', child) -> an element.
 * Attributes whose value is null, undefined or false are left out; `on*` functions become listeners.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Append children (nodes, strings, numbers, nested arrays; null and false skipped) as nodes or text. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replace everything inside `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let unique = 0;

/** A fresh element id with a readable prefix, for label/aria references. */
export function uid(prefix) {
  unique += 1;
  return `${prefix}-${unique}`;
}
