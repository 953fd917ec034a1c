// The page's two DOM helpers, shared by every module.

/** The first element matching a CSS selector, or null. */
export const $ = sel => document.querySelector(sel);

/**
 * A new element: `attrs` sets attributes (`class`, `text` = text content; `true` sets an empty
 * attribute, `false`/null/undefined leave it out), `kids` are appended (null skipped).
 */
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}
