/** A tiny element builder: the pages are small enough that a framework would be most of their code. */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

/**
 * `h('button', { class: 'primary', onclick: go }, 'Send')`. Keys starting with `on` add listeners;
 * `true` sets an empty attribute, `false`/`undefined` leaves it out. Text always goes in as text
 * nodes, never as markup, so message content cannot become elements.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else if (value !== false && value !== undefined) element.setAttribute(key, String(value));
  }
  element.append(...nodes(children));
  return element;
}

/** An SVG element (the console's chart). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  element.append(...nodes(children));
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...nodes(children));
}

/** Leaves out the empty children (so `cond ? x : null` works inline) and turns numbers into text. */
function nodes(children: Child[]): (Node | string)[] {
  return children.filter((c) => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c));
}

/** A Chinese line with its English line under it: the product serves Chinese-speaking teams first. */
export function bilingual(zh: string, en: string, tag: 'p' | 'span' | 'div' = 'span'): HTMLElement {
  return h(tag, { class: 'bilingual' }, h('span', { class: 'zh' }, zh), h('span', { class: 'en' }, en));
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString([], { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
