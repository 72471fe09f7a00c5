// What every view of the workbench shares: drawing into <main>, announcing, notices, and carrying out a mutation
// (its Idempotency-Key, a conflict, a refusal told with the rule's name).
import { h, replace } from '../dom.js';
import { ApiError, SessionEnded, freshKey, staffRequest } from './session.js';

export const main = () => document.getElementById('main');

export function announce(text) {
  document.getElementById('announce').textContent = text;
}

/** Draw a view into <main> and move the focus to its heading, so that a screen reader hears where it is. */
export function show(title, ...content) {
  const heading = h('h1', { tabindex: '-1' }, title);
  replace(main(), heading, ...content);
  document.title = `${title} · 工作台`;
  heading.focus();
  document.documentElement.dataset.drawn = String(Number(document.documentElement.dataset.drawn || 0) + 1);
}

/** A notice carried from one view to the next (after an action): {tone: 'notice' | 'error', text}. */
export function flashBox(flash) {
  if (!flash) return null;
  const error = flash.tone === 'error';
  return h('p', { class: error ? 'error' : 'notice', id: 'flash', role: error ? 'alert' : 'status' }, flash.text);
}

/** An error paragraph, hidden until `say(text)`. */
export function errorBox() {
  const box = h('p', { class: 'error', role: 'alert' });
  box.hidden = true;
  box.say = (text) => {
    box.textContent = text;
    box.hidden = !text;
  };
  return box;
}

/** A refusal as people read it: the rule's Chinese name and what it says to do. */
export function refusalText(errors) {
  return errors
    .map((e) => (e.rule ? `不符合“${e.rule}”规则：${e.text || e.message}` : e.text || e.message))
    .join('；');
}

// What a mutation answers: what was recorded (nothing, when userErrors says why) and the item afterwards.
const RESULT = `
  receipt { itemId version position replayed checkpoint { size root signedAt publicKey } }
  item { id status streamVersion }
  userErrors { code rule field message text }`;

/** The mutation `field` (e.g. passReview) with its input in $input, answering as `result`. */
function mutationText(field) {
  const kind = field[0].toUpperCase() + field.slice(1);
  return `mutation Act($input: ${kind}Input!) { result: ${field}(input: $input) { ${RESULT} } }`;
}

export class Refused extends Error {
  constructor(errors) {
    super(refusalText(errors));
    this.errors = errors;
  }
}
export class Conflict extends Error {}
/** The request left, and no answer came back: it may or may not have been carried out. */
export class Unanswered extends Error {}

/**
 * One command: each call with the same input (after a lost answer) sends the same Idempotency-Key, so that trying
 * again never carries it out twice; a new input gets a new key. Resolves to the payload ({receipt, item}); rejects
 * with Refused, Conflict (someone else changed the item first), Unanswered, SessionEnded or ApiError.
 */
export class Command {
  constructor(field) {
    this.field = field;
    this.sent = null; // {input, key} of an attempt whose answer was lost
  }

  async send(input) {
    const said = JSON.stringify(input);
    const key = this.sent && this.sent.input === said ? this.sent.key : freshKey();
    let payload;
    try {
      payload = (await staffRequest(mutationText(this.field), { input }, { 'Idempotency-Key': key })).result;
    } catch (problem) {
      if (problem instanceof ApiError && problem.unanswered) {
        this.sent = { input: said, key };
        throw new Unanswered('未收到服务器的答复，无法确定是否已办理。请检查网络后再点一次：同一操作重试不会重复办理。');
      }
      throw problem;
    }
    this.sent = null;
    const errors = payload.userErrors;
    if (errors.some((e) => e.code === 'CONFLICT' && e.field === 'expectedVersion')) {
      throw new Conflict('该事项已被他人修改，本次操作未执行。已重新加载最新内容，请核对后再办理。');
    }
    if (errors.length) throw new Refused(errors);
    return payload;
  }
}

/** The session ended while a view was open: the workbench shows the sign-in form with `problem`'s words. */
export function ended(problem) {
  window.dispatchEvent(new CustomEvent('session-ended', { detail: problem.message }));
}

export { SessionEnded };
