/**
 * Small DOM helpers for the board's modules.
 *
 * @module dom
 */

/**
 * Create an element: `h('button', {class: 'primary', onclick: save}, 'Save')`.
 *
 * Attributes whose value is null, undefined or false are left out, `true` sets an empty
 * one; `on…` attributes add listeners; children may be nodes, strings, arrays or nothing.
 *
 * @param {string} tag
 * @param {Record<string, any>} [attributes]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child != null && child !== false));
  return element;
}

/**
 * Up to two initials of a person's name, for their avatar.
 *
 * @param {string} name
 * @returns {string}
 */
export function initials(name) {
  const words = name.trim().split(/[\s._-]+/).filter(Boolean);
  return words.slice(0, 2).map((word) => word[0].toUpperCase()).join('') || '?';
}

/**
 * Replace the options of a `<select>` and select `value`.
 *
 * @param {HTMLSelectElement} select
 * @param {{value: string | number, label: string}[]} options
 * @param {string | number | null} value
 */
export function setOptions(select, options, value) {
  select.replaceChildren(
    ...options.map((option) => h('option', { value: option.value }, option.label)),
  );
  select.value = String(value ?? '');
}
