/**
 * A tiny element builder: the widget has no framework, and this keeps the view
 * code declarative without one. Text always goes through text nodes, never
 * innerHTML, so agent and visitor text can't inject markup.
 */
export type Attrs = Record<string, string | boolean | undefined>;
export type Child = Node | string | null | undefined | false;

/** Creates `<tag>` with attributes (`true` = present, `false`/undefined = absent) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) node.setAttribute(name, '');
    else if (typeof value === 'string') node.setAttribute(name, value);
  }
  append(node, ...children);
  return node;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) if (c) parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

/** Shows or hides an element (the `hidden` attribute also removes it from the accessibility tree). */
export function show(node: HTMLElement, visible: boolean): void {
  node.hidden = !visible;
}
