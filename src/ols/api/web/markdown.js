// A small Markdown renderer that builds DOM nodes and only ever sets text with textContent
// (createTextNode), so nothing in the model's answer can become markup or script.
// Supports what answers use: paragraphs, headings, fenced and indented code, bullet and
// numbered lists, block quotes, rules, pipe tables, and inline code, bold, italic, links
// (http, https and mailto only) and hard line breaks.

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const TABLE_DIVIDER = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Render `text` as Markdown into a DocumentFragment. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  renderBlocks(String(text).replace(/\r\n?/g, "\n").split("\n"), fragment);
  return fragment;
}

function renderBlocks(lines, parent) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    let match;
    if ((match = FENCE.exec(line))) {
      const close = match[1][0].repeat(match[1].length);
      const body = [];
      i += 1;
      while (i < lines.length && !lines[i].trim().startsWith(close)) {
        body.push(lines[i]);
        i += 1;
      }
      i += 1;
      parent.append(codeBlock(body.join("\n"), match[2]));
    } else if ((match = HEADING.exec(line))) {
      // Answers sit under the page's own headings: # becomes h3, ###### stays h6.
      const heading = el(`h${Math.min(6, match[1].length + 2)}`);
      renderInline(match[2], heading);
      parent.append(heading);
      i += 1;
    } else if (RULE.test(line)) {
      parent.append(el("hr"));
      i += 1;
    } else if (/^( {4}|\t)/.test(line)) {
      const body = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) {
        body.push(lines[i].replace(/^( {4}|\t)/, ""));
        i += 1;
      }
      parent.append(codeBlock(body.join("\n").replace(/\n+$/, ""), ""));
    } else if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && (match = QUOTE.exec(lines[i]))) {
        body.push(match[1]);
        i += 1;
      }
      const quote = el("blockquote");
      renderBlocks(body, quote);
      parent.append(quote);
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      i = renderList(lines, i, parent);
    } else if (
      line.includes("|") &&
      i + 1 < lines.length &&
      TABLE_DIVIDER.test(lines[i + 1]) &&
      lines[i + 1].includes("-")
    ) {
      i = renderTable(lines, i, parent);
    } else {
      const body = [];
      while (i < lines.length && lines[i].trim() && !startsBlock(lines[i])) {
        body.push(lines[i]);
        i += 1;
      }
      if (!body.length) {
        body.push(line);
        i += 1;
      }
      const paragraph = el("p");
      renderInline(body.join("\n"), paragraph);
      parent.append(paragraph);
    }
  }
}

function startsBlock(line) {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    BULLET.test(line) ||
    NUMBERED.test(line)
  );
}

function renderList(lines, start, parent) {
  const numbered = NUMBERED.test(lines[start]) && !BULLET.test(lines[start]);
  const pattern = numbered ? NUMBERED : BULLET;
  const list = el(numbered ? "ol" : "ul");
  if (numbered) {
    const first = Number(NUMBERED.exec(lines[start])[1]);
    if (first !== 1) list.setAttribute("start", String(first));
  }
  let i = start;
  let item = null;
  let itemLines = [];
  const flush = () => {
    if (item) {
      renderBlocks(itemLines, item);
      list.append(item);
    }
  };
  while (i < lines.length) {
    const line = lines[i];
    const match = pattern.exec(line);
    if (match) {
      flush();
      item = el("li");
      itemLines = [numbered ? match[2] : match[1]];
    } else if (line.trim() && /^\s{2,}/.test(line)) {
      itemLines.push(line.replace(/^\s{2,4}/, "")); // a continuation or a nested list
    } else if (!line.trim() && i + 1 < lines.length && /^\s{2,}\S/.test(lines[i + 1])) {
      itemLines.push("");
    } else if (line.trim() && !startsBlock(line) && itemLines.length) {
      itemLines[itemLines.length - 1] += `\n${line}`; // a lazy continuation
    } else {
      break;
    }
    i += 1;
  }
  flush();
  parent.append(list);
  return i;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function renderTable(lines, start, parent) {
  const wrapper = el("div", "table-scroll");
  const table = el("table");
  const head = el("thead");
  const headRow = el("tr");
  for (const cell of splitRow(lines[start])) {
    const th = el("th");
    th.setAttribute("scope", "col");
    renderInline(cell, th);
    headRow.append(th);
  }
  head.append(headRow);
  table.append(head);
  const body = el("tbody");
  let i = start + 2;
  while (i < lines.length && lines[i].trim() && lines[i].includes("|")) {
    const row = el("tr");
    for (const cell of splitRow(lines[i])) {
      const td = el("td");
      renderInline(cell, td);
      row.append(td);
    }
    body.append(row);
    i += 1;
  }
  table.append(body);
  wrapper.append(table);
  parent.append(wrapper);
  return i;
}

function codeBlock(text, language) {
  const pre = el("pre");
  const code = el("code");
  if (language) code.dataset.language = language;
  code.textContent = text;
  pre.append(code);
  return pre;
}

// Inline: code spans first (nothing inside them is parsed), then links, bold, italic.
const INLINE = new RegExp(
  [
    "(`+)([^`]|[^`][\\s\\S]*?[^`])\\1(?!`)", // 1, 2: code span
    "\\[([^\\]\\n]+)\\]\\(\\s*<?((?:[^()\\s<>]|\\([^()\\s<>]*\\))+)>?\\s*\\)", // 3, 4: link
    "\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*", // 5: bold
    "(?<![\\w])__(?=\\S)([\\s\\S]*?\\S)__(?![\\w])", // 6: bold
    "\\*(?=[^\\s*])([^*]*?[^\\s*])\\*", // 7: italic
    "(?<![\\w])_(?=[^\\s_])([^_]*?[^\\s_])_(?![\\w])", // 8: italic
    "(https?://[^\\s<>()\"']+[^\\s<>()\"'.,;:!?])", // 9: bare URL
    "( {2,}|\\\\)\\n", // 10: hard line break
  ].join("|"),
  "g",
);

/** Render inline Markdown of `text` into `parent`. */
export function renderInline(text, parent) {
  let last = 0;
  INLINE.lastIndex = 0;
  const source = String(text);
  const pieces = [];
  let match;
  while ((match = INLINE.exec(source))) {
    pieces.push([match.index, match[0].length, match.slice(1)]);
  }
  for (const [index, length, groups] of pieces) {
    if (index < last) continue;
    parent.append(document.createTextNode(source.slice(last, index)));
    const [, code, linkText, href, bold1, bold2, em1, em2, url, hardBreak] = groups;
    if (code !== undefined) {
      const node = el("code");
      node.textContent =
        code.length > 1 && code.startsWith(" ") && code.endsWith(" ") ? code.slice(1, -1) : code;
      parent.append(node);
    } else if (linkText !== undefined) {
      parent.append(link(href, linkText));
    } else if (bold1 !== undefined || bold2 !== undefined) {
      const node = el("strong");
      renderInline(bold1 ?? bold2, node);
      parent.append(node);
    } else if (em1 !== undefined || em2 !== undefined) {
      const node = el("em");
      renderInline(em1 ?? em2, node);
      parent.append(node);
    } else if (url !== undefined) {
      parent.append(link(url, null));
    } else if (hardBreak !== undefined) {
      parent.append(el("br"));
    }
    last = index + length;
  }
  parent.append(document.createTextNode(source.slice(last)));
}

function link(href, text) {
  let url = null;
  // Only absolute http(s) and mailto links become links; anything else stays text.
  if (/^(https?:\/\/|mailto:)/i.test(href)) {
    try {
      url = new URL(href);
    } catch {
      url = null;
    }
  }
  if (!url || !SAFE_PROTOCOLS.has(url.protocol)) {
    const span = el("span");
    if (text === null) span.textContent = href;
    else renderInline(text, span);
    return span;
  }
  const anchor = el("a");
  anchor.href = url.href;
  anchor.rel = "noopener noreferrer nofollow";
  anchor.target = "_blank";
  if (text === null) anchor.textContent = href;
  else renderInline(text, anchor);
  return anchor;
}

function el(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}
