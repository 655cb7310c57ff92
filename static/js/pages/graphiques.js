// The dashboard's charts: inline SVG built element by element (no innerHTML; sizes are attributes,
// since the Content-Security-Policy forbids style attributes). Each chart has a title and a
// description (its accessible name), its values written next to the bars (never colour alone),
// and the page puts its data table under it. Loaded only by the dashboard.
import { h, tableRegion } from "../ui.js";

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

// Labels are 12 px: a character is about 7 units wide. Charts are drawn at the width they are
// shown at (one unit = one pixel), so that the text never shrinks on a phone.
const CHAR = 7;
const LINE = 14;

/** A label cut into lines of at most `room` units (words are kept whole). */
function wrap(label, room) {
  const perLine = Math.max(4, Math.floor(room / CHAR));
  const lines = [];
  for (const word of String(label).split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && (last + " " + word).length <= perLine) lines[lines.length - 1] = last + " " + word;
    else lines.push(word);
  }
  return lines;
}

/** A text of one or more lines (tspans), the first line's baseline at `y`. */
function lines(attributes, texts) {
  return s("text", attributes, texts.map((text, index) => s("tspan", { x: attributes.x, dy: index ? LINE : null }, text)));
}

/** The width available in the page's main column (what a chart may use), at most `max`. */
function room(max) {
  const main = document.getElementById("contenu");
  if (!main || !main.clientWidth) return max;
  const style = getComputedStyle(main);
  const inner = main.clientWidth - parseFloat(style.paddingLeft || "0") - parseFloat(style.paddingRight || "0");
  return Math.max(200, Math.min(max, Math.floor(inner)));
}

/**
 * A chart drawn for the width it is given: `draw(width)` builds the SVG; the chart is drawn again
 * when that width changes (a phone turned, a window resized).
 */
function responsive(max, draw) {
  let width = room(max);
  const holder = h("div", { class: "chart-frame" }, draw(width));
  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver(() => {
      if (!holder.isConnected) {
        observer.disconnect();
        return;
      }
      const wanted = Math.max(200, Math.min(max, Math.floor(holder.clientWidth)));
      if (holder.clientWidth && wanted !== width) {
        width = wanted;
        holder.replaceChildren(draw(width));
      }
    });
    observer.observe(holder);
  }
  return holder;
}

/** Vertical bars, one per category, the value above each bar and the label (wrapped) under it. */
export function columnChart({ title, description, items, width = 480, height = 220 }) {
  return responsive(width, (w) => {
    const top = 24;
    const slot = w / Math.max(1, items.length);
    const labels = items.map((item) => wrap(item.label, slot - 8));
    const bottom = 20 + LINE * Math.max(...labels.map((l) => l.length), 1);
    const area = height - top - 40;
    const max = Math.max(1, ...items.map((item) => item.value));
    const bar = Math.min(80, slot * 0.6);
    const parts = [s("line", { class: "axis", x1: 0, x2: w, y1: top + area, y2: top + area })];
    items.forEach((item, index) => {
      const barHeight = Math.round((item.value / max) * area);
      const x = Math.round(index * slot + (slot - bar) / 2);
      const y = top + area - barHeight;
      const center = Math.round(index * slot + slot / 2);
      parts.push(
        s("rect", { class: `bar${item.tone ? " bar--" + item.tone : ""}`, x, y, width: Math.round(bar), height: barHeight }),
        s("text", { x: center, y: y - 6, "text-anchor": "middle" }, formatNumber(item.value)),
        lines({ x: center, y: top + area + 20, "text-anchor": "middle" }, labels[index]));
    });
    return frame(title, description, w, top + area + bottom, parts);
  });
}

/**
 * Horizontal bars, one row per item: the label on its own line(s) (long structure names stay
 * whole), the bar under it, and the value at the end of the bar.
 */
export function barChart({ title, description, items, width = 640 }) {
  return responsive(width, (w) => {
    const valueSpace = 56;
    const max = Math.max(1, ...items.map((item) => item.value));
    const parts = [];
    let y = 0;
    for (const item of items) {
      const label = wrap(item.label, w);
      const length = Math.round((item.value / max) * (w - valueSpace));
      const barTop = y + LINE * label.length + 4;
      parts.push(
        lines({ x: 0, y: y + 13 }, label),
        s("rect", { class: "bar", x: 0, y: barTop, width: Math.max(length, item.value ? 2 : 0), height: 18 }),
        s("text", { x: length + 6, y: barTop + 14 }, formatNumber(item.value)));
      y = barTop + 18 + 10;
    }
    return frame(title, description, w, Math.max(44, y), parts);
  });
}

/**
 * Small multiples: one row of columns per series (e.g. per status), sharing the column labels
 * (e.g. months) and one scale, each row named on its left and each column's value above it. On a
 * narrow screen each series is named above its columns, which wrap on several lines, each line
 * with its own column labels: the text keeps its size.
 */
export function smallMultiples({ title, description, columns, rows, width = 760 }) {
  return responsive(width, (w) => {
    const max = Math.max(1, ...rows.flatMap((row) => row.values));
    const minSlot = 44;
    const labelWidth = 150;
    const parts = [];
    if ((w - labelWidth) / Math.max(1, columns.length) >= minSlot) {
      const rowHeight = 64;
      const plot = rowHeight - 20;
      const slot = (w - labelWidth) / Math.max(1, columns.length);
      const bar = Math.min(28, slot * 0.6);
      rows.forEach((row, rowIndex) => {
        const base = rowIndex * rowHeight + rowHeight - 4;
        parts.push(
          s("text", { x: 0, y: base - 4 }, row.label),
          s("line", { class: "axis", x1: labelWidth, x2: w, y1: base, y2: base }));
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
      return frame(title, description, w, rows.length * rowHeight + 40, parts);
    }
    // Narrow: per series, its name, then its columns in lines of `perLine`.
    const perLine = Math.max(1, Math.floor(w / minSlot));
    const lineCount = Math.ceil(columns.length / perLine);
    const slot = w / perLine;
    const bar = Math.min(28, slot * 0.6);
    const plot = 40;
    const labelsHeight = columns.some((column) => column.sublabel) ? 36 : 20;
    const lineHeight = 16 + plot + labelsHeight + 8;
    const blockHeight = 22 + lineCount * lineHeight + 8;
    rows.forEach((row, rowIndex) => {
      const top = rowIndex * blockHeight;
      parts.push(s("text", { x: 0, y: top + 16, "font-weight": "700" }, row.label));
      for (let line = 0; line < lineCount; line++) {
        const base = top + 22 + line * lineHeight + 16 + plot;
        parts.push(s("line", { class: "axis", x1: 0, x2: w, y1: base, y2: base }));
        columns.slice(line * perLine, (line + 1) * perLine).forEach((column, i) => {
          const value = row.values[line * perLine + i];
          const barHeight = Math.round((value / max) * plot);
          const center = Math.round(i * slot + slot / 2);
          parts.push(
            s("rect", { class: `bar bar--${row.tone || 1}`, x: Math.round(center - bar / 2), y: base - barHeight, width: Math.round(bar), height: barHeight }),
            s("text", { x: center, y: base - barHeight - 4, "text-anchor": "middle" }, formatNumber(value)),
            s("text", { x: center, y: base + 16, "text-anchor": "middle" }, column.label));
          if (column.sublabel) parts.push(s("text", { x: center, y: base + 32, "text-anchor": "middle" }, column.sublabel));
        });
      }
    });
    return frame(title, description, w, rows.length * blockHeight, parts);
  });
}

/** A data table (the chart's text alternative), scrollable and keyboard-reachable at 320 px. */
export function dataTable(caption, headers, rows) {
  return tableRegion(caption, headers, rows.map(([head, ...cells]) =>
    h("tr", {}, h("th", { scope: "row" }, head), cells.map((cell) => h("td", {}, typeof cell === "number" ? formatNumber(cell) : cell)))));
}
