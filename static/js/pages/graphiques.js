// The dashboard's charts: inline SVG built element by element (no innerHTML; sizes are attributes,
// since the Content-Security-Policy forbids style attributes). Each chart has a title and a
// description (its accessible name), its values written next to the bars (never colour alone),
// and the page puts its data table under it. Loaded only by the dashboard.
import { h } from "../ui.js";

const SVG = "http://www.w3.org/2000/svg";
let counter = 0;

/** An SVG element: s("rect", { x: 0, width: 10 }, child…). */
function s(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** The frame of a chart: viewBox, accessible name (title) and description. */
function frame(title, description, width, height, body) {
  const id = `graphique-${++counter}`;
  return s("svg", {
    class: "chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-labelledby": `${id}-titre`, "aria-describedby": `${id}-desc`, focusable: "false",
  }, s("title", { id: `${id}-titre` }, title), s("desc", { id: `${id}-desc` }, description), body);
}

const number = new Intl.NumberFormat("fr-FR");
export const formatNumber = (value) => number.format(value);

/** Vertical bars, one per category, the value above each bar and the label under it. */
export function columnChart({ title, description, items, width = 480, height = 220 }) {
  const top = 24;
  const bottom = 40;
  const area = height - top - bottom;
  const max = Math.max(1, ...items.map((item) => item.value));
  const slot = width / Math.max(1, items.length);
  const bar = Math.min(80, slot * 0.6);
  const parts = [s("line", { class: "axis", x1: 0, x2: width, y1: top + area, y2: top + area })];
  items.forEach((item, index) => {
    const barHeight = Math.round((item.value / max) * area);
    const x = Math.round(index * slot + (slot - bar) / 2);
    const y = top + area - barHeight;
    parts.push(
      s("rect", { class: `bar${item.tone ? " bar--" + item.tone : ""}`, x, y, width: Math.round(bar), height: barHeight }),
      s("text", { x: Math.round(index * slot + slot / 2), y: y - 6, "text-anchor": "middle" }, formatNumber(item.value)),
      s("text", { x: Math.round(index * slot + slot / 2), y: top + area + 20, "text-anchor": "middle" }, item.label));
  });
  return frame(title, description, width, height, parts);
}

/**
 * Horizontal bars, one row per item: the label on its own line (long structure names stay
 * whole), the bar under it, and the value at the end of the bar.
 */
export function barChart({ title, description, items, width = 640 }) {
  const row = 44;
  const labelSpace = 16;
  const valueSpace = 56;
  const height = Math.max(row, items.length * row);
  const max = Math.max(1, ...items.map((item) => item.value));
  const parts = [];
  items.forEach((item, index) => {
    const y = index * row;
    const length = Math.round((item.value / max) * (width - valueSpace));
    parts.push(
      s("text", { x: 0, y: y + 13 }, item.label),
      s("rect", { class: "bar", x: 0, y: y + labelSpace + 2, width: Math.max(length, item.value ? 2 : 0), height: 18 }),
      s("text", { x: length + 6, y: y + labelSpace + 16 }, formatNumber(item.value)));
  });
  return frame(title, description, width, height, parts);
}

/**
 * Small multiples: one row of columns per series (e.g. per status), sharing the column labels
 * (e.g. months) and one scale, each row named on its left and each column's value above it.
 */
export function smallMultiples({ title, description, columns, rows, width = 760 }) {
  const labelWidth = 150;
  const rowHeight = 64;
  const axisHeight = 40;
  const plot = rowHeight - 20;
  const slot = (width - labelWidth) / Math.max(1, columns.length);
  const bar = Math.min(28, slot * 0.6);
  const max = Math.max(1, ...rows.flatMap((row) => row.values));
  const height = rows.length * rowHeight + axisHeight;
  const parts = [];
  rows.forEach((row, rowIndex) => {
    const base = rowIndex * rowHeight + rowHeight - 4;
    parts.push(
      s("text", { x: 0, y: base - 4 }, row.label),
      s("line", { class: "axis", x1: labelWidth, x2: width, y1: base, y2: base }));
    row.values.forEach((value, index) => {
      const barHeight = Math.round((value / max) * plot);
      const center = labelWidth + index * slot + slot / 2;
      parts.push(
        s("rect", { class: `bar bar--${row.tone || 1}`, x: Math.round(center - bar / 2), y: base - barHeight, width: Math.round(bar), height: barHeight }),
        s("text", { x: Math.round(center), y: base - barHeight - 4, "text-anchor": "middle" }, formatNumber(value)));
    });
  });
  const axisTop = rows.length * rowHeight;
  columns.forEach((column, index) => {
    const center = Math.round(labelWidth + index * slot + slot / 2);
    parts.push(s("text", { x: center, y: axisTop + 16, "text-anchor": "middle" }, column.label));
    if (column.sublabel) parts.push(s("text", { x: center, y: axisTop + 32, "text-anchor": "middle" }, column.sublabel));
  });
  return frame(title, description, width, height, parts);
}

/** A data table (the chart's text alternative), scrollable and keyboard-reachable at 320 px. */
export function dataTable(caption, headers, rows) {
  const id = `donnees-${++counter}`;
  return h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": id },
    h("table", {},
      h("caption", { id }, caption),
      h("thead", {}, h("tr", {}, headers.map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows.map(([head, ...cells]) =>
        h("tr", {}, h("th", { scope: "row" }, head), cells.map((cell) => h("td", {}, typeof cell === "number" ? formatNumber(cell) : cell)))))));
}
